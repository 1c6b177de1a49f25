#!/usr/bin/env bash
# Configures and builds Cairn. Usage: scripts/build.sh [build-dir] [extra cmake args...]
# Defaults: build/ in Release. Uses at most CAIRN_JOBS parallel jobs (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${CAIRN_BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$dir" -j"${CAIRN_JOBS:-2}"
