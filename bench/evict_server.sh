#!/usr/bin/env bash
# evict_server.sh — every-SET-evicts throughput through the real server, per eviction policy:
# the server-level twin of build/bench/hitratio/evict_throughput (issue 18: "every-SET-evicts
# throughput of the default at least 0.8x of lru").
#
# One cairn-server per policy runs at the same time on a free loopback port, each with the same
# --max-items and --shards, filled to its limit first; then redis-benchmark SETs keys drawn from a
# key space far larger than the cache (-r), so practically every SET inserts a new key and evicts
# one. Runs alternate between the servers for ROUNDS rounds; the table shows each policy's median
# and the median of its per-round ratios to lru (each round's runs are back to back, so drift on a
# shared machine cancels out of the ratio). Knobs (environment variables):
#   CAIRN_SERVER   cairn binary (default: <repo>/build/cairn-server)
#   CAIRN_ARGS     extra flags for every server (default: none)
#   POLICIES       policies to compare, lru first (default: "lru adaptive")
#   MAX_ITEMS      --max-items of every server (default: 100000)
#   SHARDS         --shards (default: 16)
#   PIPELINES      pipeline depths (default: "1 16")
#   CLIENTS        parallel connections (default: 50)
#   DATA_SIZE      value size in bytes (default: 32)
#   KEYSPACE       random key space, -r (default: 1000000000)
#   REQUESTS       SETs per run (default: 400000 x pipeline / 16, at least 200000)
#   ROUNDS         rounds (default: 5)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$ROOT/bench/lib.sh"
DATA_SIZE=${DATA_SIZE:-32}  # set before bench_knobs, whose defaults are compare_redis.sh's
KEYSPACE=${KEYSPACE:-1000000000}
ROUNDS=${ROUNDS:-5}
# CAIRN_SERVER CAIRN_ARGS REDIS_BENCHMARK PIPELINES CLIENTS DATA_SIZE KEYSPACE ROUNDS REQUESTS
bench_knobs
POLICIES=${POLICIES:-"lru adaptive"}
MAX_ITEMS=${MAX_ITEMS:-100000}
SHARDS=${SHARDS:-16}

bench_init evict_server cairn-evict

[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it first)"
need_cmd "$BENCH" redis-tools
need_cmd redis-cli redis-tools
evicted() { cli "$1" info stats | awk -F: '/^evicted_keys:/ { print $2 + 0 }'; }  # NAME
read -r -a POLICY_LIST <<<"$POLICIES"
[[ ${POLICY_LIST[0]} == lru ]] || die "POLICIES must start with lru (the ratios are to it)"

for p in "${POLICY_LIST[@]}"; do
  start_cairn "$p" --eviction-policy "$p" --max-items "$MAX_ITEMS" --shards "$SHARDS"
  # Fill to the limit (and past it: the policies start from steady state, not from an empty cache).
  run_bench "$p" set 16 $((2 * MAX_ITEMS)) >/dev/null
  evicted=$(evicted "$p")
  ((evicted > 0)) || die "$p: nothing evicted while filling"
done

echo "servers: $CAIRN_SERVER --max-items $MAX_ITEMS --shards $SHARDS $CAIRN_ARGS"
echo "clients=$CLIENTS data=${DATA_SIZE}B keyspace=$KEYSPACE rounds=$ROUNDS cores=$(nproc)"
printf '%-10s %8s %14s %10s\n' policy pipeline "SET ops/s" "x of lru"
for pipeline in $PIPELINES; do
  n=${REQUESTS:-$((400000 * pipeline / 16 > 200000 ? 400000 * pipeline / 16 : 200000))}
  for p in "${POLICY_LIST[@]}"; do : >"$WORK/$p.runs"; : >"$WORK/$p.ratios"; done
  for round in $(seq "$ROUNDS"); do
    lru_rps=""
    for p in "${POLICY_LIST[@]}"; do
      before=$(evicted "$p")
      rps=$(run_bench "$p" set "$pipeline" "$n" | awk '{ print $1 }')
      after=$(evicted "$p")
      # every SET must have evicted (a key drawn twice from -r is a rare overwrite)
      ((after - before >= n * 99 / 100)) || die "$p: only $((after - before)) of $n SETs evicted"
      echo "$rps" >>"$WORK/$p.runs"
      [[ -z $lru_rps ]] && lru_rps=$rps
      awk -v a="$rps" -v b="$lru_rps" 'BEGIN { printf "%.4f\n", a / b }' >>"$WORK/$p.ratios"
      printf '  %-10s P%-3s round %d/%d: %s SET/s\n' "$p" "$pipeline" "$round" "$ROUNDS" \
        "$rps" >&2
    done
  done
  for p in "${POLICY_LIST[@]}"; do
    printf '%-10s %8s %14.0f %10.2f\n' "$p" "$pipeline" "$(median <"$WORK/$p.runs")" \
      "$(median <"$WORK/$p.ratios")"
  done
done

check_alive "${POLICY_LIST[@]}"
