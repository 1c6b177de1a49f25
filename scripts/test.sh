#!/usr/bin/env bash
# Installs dependencies (apt), builds, and runs the whole test suite (unit + integration) with
# ctest, then each fuzz target for 20 s (scripts/fuzz.sh --short; Clang, build-fuzz/). Then,
# optionally, the unit tests under sanitizers: --asan (ASan+UBSan), --tsan (TSan), --sanitizers
# (both).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
# The Node.js clients, exactly as locked; without them (offline) their tests skip and say so.
npm ci --prefix tests/clients/node --no-audit --no-fund --silent ||
  echo "test.sh: npm ci failed: the Node.js client tests will be skipped" >&2
bash scripts/build.sh build
ctest --test-dir build --output-on-failure -j2 --timeout 900
bash scripts/fuzz.sh --short
sans=""
case "${1:-}" in
  --asan) sans="address" ;;
  --tsan) sans="thread" ;;
  --sanitizers) sans="address thread" ;;
esac
if [ -n "$sans" ]; then
  for san in $sans; do
    CAIRN_BUILD_TYPE=Debug bash scripts/build.sh "build-$san" -DCAIRN_SANITIZE=$san -DCAIRN_BUILD_BENCH=OFF
    ctest --test-dir "build-$san" --output-on-failure -j2 -L unit --timeout 900
  done
fi
