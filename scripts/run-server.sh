#!/usr/bin/env bash
# Installs dependencies (apt), builds Release and starts cairn-server with config/cairn.conf and an
# embedded data folder ./data. Extra arguments are passed to cairn-server (e.g. --port 7000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
mkdir -p data
exec ./build/cairn-server config/cairn.conf "$@"
