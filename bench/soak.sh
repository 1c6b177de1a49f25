#!/usr/bin/env bash
# soak.sh — issue 16's soak: 1,000 connections of mixed reads, writes, expiries and pattern
# subscribers for a bounded time against a cairn-server with maxmemory, write-back,
# read-through and keyspace notifications; then a clean shutdown, a restart on the same data
# dir and a read-back of every acknowledged write. Reports errors, p50/p99/max latency, RSS over
# time and lost writes (must be 0). Exit status 1 on a lost write or a dead server.
#
# Build Release first. Knobs (environment): CAIRN_SERVER (default <repo>/build/cairn-server),
# CONNECTIONS (1000), SOAK_SECONDS (60), SUBSCRIBERS (6), MAXMEMORY (16mb); extra arguments go to
# bench/soak.py (--keys-per-conn, --value-size, --seed).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 "$ROOT/bench/soak.py" --server "${CAIRN_SERVER:-$ROOT/build/cairn-server}" \
  --connections "${CONNECTIONS:-1000}" --seconds "${SOAK_SECONDS:-60}" \
  --subscribers "${SUBSCRIBERS:-6}" --maxmemory "${MAXMEMORY:-16mb}" "$@"
