#!/usr/bin/env bash
# Installs everything Cairn needs to build, test and benchmark on Debian 12 (bookworm).
# Idempotent: packages already present are skipped by apt. Needs root (or sudo).
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libspdlog-dev libfmt-dev libcli11-dev
  librocksdb-dev libprotobuf-dev protobuf-compiler libxxhash-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus-cpp-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  libssl-dev
)
# What the README's examples use next to the server (redis-cli).
RUN_PKGS=(redis-tools)
# clang + libclang-rt-14-dev: the libFuzzer targets (scripts/fuzz.sh); nutcracker: twemproxy;
# memcached: the peer of bench/memory_density.py; openssl: the TLS tests make their certificates.
TEST_PKGS=(redis-server redis-tools python3 python3-redis python3-pytest procps clang-format
  clang libclang-rt-14-dev nutcracker memcached openssl)
# Node.js clients (node-redis, ioredis, redlock; pinned in package-lock.json files, installed by
# scripts/test.sh with npm ci). Debian's npm only where no npm is installed (a NodeSource nodejs
# brings its own, which Debian's npm package would conflict with).
TEST_PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || TEST_PKGS+=(npm)

want=("${BUILD_PKGS[@]}")
case "${1:-}" in
  --test) want+=("${RUN_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  --run) want+=("${RUN_PKGS[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
