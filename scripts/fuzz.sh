#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz; Clang, ASan+UBSan, in build-fuzz/) and runs each one.
#   scripts/fuzz.sh --short        20 s per target on a temporary copy of the seed corpus
#                                  (tests/fuzz/corpus/<target>/); part of scripts/test.sh.
#   scripts/fuzz.sh [SECONDS]      the long run: SECONDS per target (default 600), growing a
#                                  corpus kept in build-fuzz/corpus/<target>/ (ignored by git)
#                                  across runs, seeded from the tree's corpus.
# CAIRN_FUZZ_TARGETS="glob dispatcher" runs only those targets. A crash, leak, timeout or failed
# invariant stops that target, leaves its input in build-fuzz/artifacts/ and fails the script
# (reproduce: build-fuzz/tests/fuzz/fuzz_<target> <artifact>). Uses CAIRN_JOBS build jobs (2).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="long"
seconds=600
case "${1:-}" in
  --short) mode="short"; seconds=20 ;;
  "") ;;
  *[!0-9]*) echo "usage: scripts/fuzz.sh [--short | SECONDS-PER-TARGET]" >&2; exit 2 ;;
  *) seconds="$1" ;;
esac
targets="${CAIRN_FUZZ_TARGETS:-resp_parser glob config_file snapshot record_codec dispatcher dump_payload}"
build=build-fuzz

start=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCMAKE_CXX_COMPILER=clang++ -DCAIRN_FUZZ=ON >/dev/null
cmake --build "$build" -j"${CAIRN_JOBS:-2}" --target cairn_fuzz
echo "fuzz: build took $(($(date +%s) - start)) s"

# Per-target options: the parser's checks are quadratic in the input, so its inputs stay short.
max_len() {
  case "$1" in
    resp_parser) echo 513 ;;
    glob) echo 1024 ;;
    *) echo 4096 ;;
  esac
}

artifacts="$PWD/$build/artifacts"
mkdir -p "$artifacts"
if [ "$mode" = short ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
else
  work="$PWD/$build/corpus"
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TMPDIR="${TMPDIR:-/tmp}"

failed=""
for t in $targets; do
  corpus="$work/$t"
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  log="$artifacts/$t.log"
  dict=()
  if [ -f "tests/fuzz/$t.dict" ]; then dict=(-dict="tests/fuzz/$t.dict"); fi
  echo "fuzz: $t for $seconds s"
  if "$build/tests/fuzz/fuzz_$t" "$corpus" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
      -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
      "${dict[@]}" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $t ok: ${execs:-?} execs, corpus $(find "$corpus" -type f | wc -l) inputs"
  else
    echo "fuzz: $t FAILED (log $log):"
    grep -v '^#' "$log" | tail -40
    failed="$failed $t"
  fi
done
echo "fuzz: done in $(($(date +%s) - start)) s"
if [ -n "$failed" ]; then
  echo "fuzz: failures in:$failed" >&2
  exit 1
fi
