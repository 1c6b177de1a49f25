#!/usr/bin/env bash
# Regenerates the configuration table in README.md from the option table in the code:
# everything between `<!-- config-table:begin -->` and `<!-- config-table:end -->` is replaced by
# the output of `cairn-server --dump-config-markdown`.
#
#   scripts/gen-config-table.sh [--check] [CAIRN_SERVER]
#
# CAIRN_SERVER defaults to build/src/cairn-server (scripts/build.sh builds it). With --check,
# README.md is left alone and the exit status says whether it is up to date (1 = stale); the
# unit test config_test (ReadmeConfigTable) makes the same check on every test run.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
if [[ "${1:-}" == "--check" ]]; then
  check=1
  shift
fi
server="${1:-build/src/cairn-server}"
readme=README.md
begin='<!-- config-table:begin -->'
end='<!-- config-table:end -->'

if [[ ! -x "$server" ]]; then
  echo "gen-config-table: no executable '$server' (build first: scripts/build.sh)" >&2
  exit 2
fi
if [[ "$(grep -cxF -- "$begin" "$readme")" != 1 || "$(grep -cxF -- "$end" "$readme")" != 1 ]]; then
  echo "gen-config-table: $readme needs one '$begin' line and one '$end' line" >&2
  exit 2
fi

table="$(mktemp)"
updated="$(mktemp)"
trap 'rm -f "$table" "$updated"' EXIT
if ! "$server" --dump-config-markdown >"$table"; then
  echo "gen-config-table: '$server --dump-config-markdown' failed" >&2
  exit 2
fi
awk -v begin="$begin" -v end="$end" -v table="$table" '
  $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
  $0 == end   { skip = 0 }
  !skip       { print }
' "$readme" >"$updated"

if cmp -s "$readme" "$updated"; then
  echo "gen-config-table: $readme is up to date"
  exit 0
fi
if [[ $check == 1 ]]; then
  echo "gen-config-table: $readme's configuration table is stale; run scripts/gen-config-table.sh" >&2
  diff -u "$readme" "$updated" >&2 || true
  exit 1
fi
cp "$updated" "$readme"
echo "gen-config-table: updated $readme"
