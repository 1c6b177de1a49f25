#!/usr/bin/env bash
# Installs dependencies (apt), builds, and runs the whole test suite (unit + integration) with
# ctest. With --sanitizers it also builds and runs the unit tests under ASan+UBSan and TSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
bash scripts/build.sh build
ctest --test-dir build --output-on-failure -j2 --timeout 900
if [ "${1:-}" = "--sanitizers" ]; then
  for san in address thread; do
    CAIRN_BUILD_TYPE=Debug bash scripts/build.sh "build-$san" -DCAIRN_SANITIZE=$san -DCAIRN_BUILD_BENCH=OFF
    ctest --test-dir "build-$san" --output-on-failure -j2 -L unit --timeout 900
  done
fi
