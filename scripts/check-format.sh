#!/usr/bin/env bash
# Checks that every tracked C++ file is clang-format clean (the .clang-format at the root).
# Usage: scripts/check-format.sh [--fix]   (--fix rewrites the files in place)
# Run by ctest as `lint.clang-format` (part of the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format not installed" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null ||
  find src include tests bench -name '*.cc' -o -name '*.h')
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/check-format.$$; then
  grep -E "^[^ ].*: (error|warning):" /tmp/check-format.$$ | cut -d: -f1 | sort | uniq -c >&2
  rm -f /tmp/check-format.$$
  echo "check-format: the files above are not clang-format clean (scripts/check-format.sh --fix)" >&2
  exit 1
fi
rm -f /tmp/check-format.$$
echo "check-format: ${#files[@]} files clean"
