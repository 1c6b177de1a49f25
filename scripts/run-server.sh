#!/usr/bin/env bash
# Installs dependencies (apt; redis-tools too, for the README's redis-cli example), builds Release
# and starts cairn-server with config/cairn.conf and an embedded data folder ./data. Extra arguments are passed to cairn-server (e.g. --port 7000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --run
bash scripts/build.sh build
mkdir -p data
exec ./build/cairn-server config/cairn.conf "$@"
