#!/usr/bin/env bash
# replay.sh — hit ratio of cairn-server against Debian's redis-server (allkeys-lru and
# allkeys-lfu) at matched capacity, replaying the same traces over the network as a look-aside
# cache (GET; on a miss, SET). Prints one row per workload.
#
# Capacity: C = FRACTION x the trace's distinct keys. cairn runs with --max-items C. redis has no
# key limit, so its maxmemory is calibrated: DEBUG POPULATE C keys of the same shape ("k:<n>",
# VALUE_SIZE-byte values) for a first estimate, then twice: overfill with 1.5 C evicting SETs and
# rescale maxmemory by C / DBSIZE. The resident key counts (DBSIZE) at the end of each run are
# printed next to the hit ratios.
# Each cairn run starts a fresh server; redis is flushed and reconfigured between runs.
#
# Knobs (environment variables):
#   BUILD            build directory holding cairn-server and bench/replay/replay (default build)
#   CAIRN_SERVER, REPLAY, REDIS_SERVER   binaries (defaults from BUILD / PATH)
#   WORKLOADS        "zipf:0.8 zipf:1.0 scan:0.9 shift:0.9 loop:0.9"; an item that is a file is
#                    replayed as a trace (text or oracleGeneral, as in hitratio), e.g.
#                    WORKLOADS="/tmp/web07.oracleGeneral" after decompressing ../shared/traces
#   MAX_REQUESTS     trace files: replay at most this many requests (default 0: all)
#   KEYS             zipf key count (default 100000)
#   REQUESTS         requests per trace (default 1000000)
#   FRACTION         cache size, fraction of distinct keys (default 0.05)
#   CAIRN_POLICIES   cairn policies to run (default "adaptive lru")
#   CAIRN_SHARDS     cairn shards (default 1, like redis's single keyspace; adaptive needs a few
#                    thousand entries per shard for its miniature simulations). cairn-server
#                    itself starts with fewer when --max-items leaves under 1024 keys per shard
#   VALUE_SIZE       bytes per value (default 32)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$ROOT/bench/lib.sh"
BUILD=${BUILD:-$ROOT/build}
CAIRN_SERVER=${CAIRN_SERVER:-$BUILD/cairn-server}
REPLAY=${REPLAY:-$BUILD/bench/replay/replay}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
WORKLOADS=${WORKLOADS:-"zipf:0.8 zipf:1.0 scan:0.9 shift:0.9 loop:0.9"}
KEYS=${KEYS:-100000}
REQUESTS=${REQUESTS:-1000000}
FRACTION=${FRACTION:-0.05}
CAIRN_POLICIES=${CAIRN_POLICIES:-"adaptive lru"}
CAIRN_SHARDS=${CAIRN_SHARDS:-1}
VALUE_SIZE=${VALUE_SIZE:-32}
MAX_REQUESTS=${MAX_REQUESTS:-0}

bench_init replay.sh cairn-replay
CAIRN_ARGS=""  # not a knob here: the cairn flags come from CAIRN_SHARDS and the workload

[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (set BUILD or CAIRN_SERVER)"
[[ -x $REPLAY ]] || die "no replay at $REPLAY (cmake --build $BUILD --target replay)"
need_cmd "$REDIS_SERVER" redis-server
need_cmd redis-cli redis-tools

start_redis redis --enable-debug-command local

used_memory() { cli redis info memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p'; }

# Writes n keys "k:<i>" (i from `from`) through real SETs, which evict under maxmemory.
redis_fill() {  # from n
  awk -v from="$1" -v n="$2" -v size="$VALUE_SIZE" 'BEGIN {
    v = ""; for (j = 0; j < size; j++) v = v "v"
    for (i = from; i < from + n; i++) {
      k = "k:" i
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
    }
  }' | cli redis --pipe >/dev/null
}

redis_capacity() {  # keys -> configures maxmemory so that about that many keys stay resident
  local base used max d
  cli redis config set maxmemory 0 >/dev/null
  cli redis config set maxmemory-policy allkeys-lru >/dev/null
  cli redis flushall sync >/dev/null
  base=$(used_memory)
  cli redis debug populate "$1" k "$VALUE_SIZE" >/dev/null
  used=$(used_memory)
  max=$used
  # used_memory is not linear in the key count (hash table growth, allocator classes): overfill
  # with evicting SETs and rescale from the keys that stayed, twice.
  for round in 1 2; do
    cli redis flushall sync >/dev/null
    cli redis config set maxmemory "$max" >/dev/null
    redis_fill $((round * 10000000)) $(($1 * 3 / 2))
    d=$(cli redis dbsize)
    max=$(awk -v b="$base" -v m="$max" -v c="$1" -v d="$d" 'BEGIN { printf "%d", b + (m - b) * c / d }')
  done
  cli redis flushall sync >/dev/null
  cli redis config set maxmemory "$max" >/dev/null
}

source_args() {  # workload -> replay's arguments for it (a trace file or a synthetic spec)
  if [[ -f $1 ]]; then
    echo "-t $1 --max-requests $MAX_REQUESTS"
  else
    echo "-w $1 -k $KEYS -n $REQUESTS -f $FRACTION"
  fi
}

run_replay() {  # port workload -> hit ratio
  # shellcheck disable=SC2046  # word splitting of source_args is intended
  "$REPLAY" --port "$1" $(source_args "$2") --value-size "$VALUE_SIZE" |
    sed -n 's/.*hit_ratio=\([0-9.]*\).*/\1/p'
}

echo "redis: $("$REDIS_SERVER" --version | cut -d' ' -f1-3); cairn: $CAIRN_SERVER" \
  "(shards $CAIRN_SHARDS); keys=$KEYS requests=$REQUESTS cache=$FRACTION of distinct keys"
header=$(printf "%-12s %8s" workload capacity)
header+=$(printf " %14s %14s" "redis-lru" "redis-lfu")
for p in $CAIRN_POLICIES; do header+=$(printf " %14s" "cairn-$p"); done
echo "$header   (hit ratio %, resident keys at the end)"
for w in $WORKLOADS; do
  # shellcheck disable=SC2046
  unique=$("$REPLAY" --unique $(source_args "$w"))
  cap=$(awk -v u="$unique" -v f="$FRACTION" 'BEGIN { printf "%d", u * f }')
  row=$(printf "%-12s %8d" "$(basename "$w")" "$cap")
  for rp in allkeys-lru allkeys-lfu; do
    redis_capacity "$cap"
    cli redis config set maxmemory-policy "$rp" >/dev/null
    hr=$(run_replay "${PORT[redis]}" "$w")
    row+=$(printf " %7s (%5d)" "$hr" "$(cli redis dbsize)")
  done
  for p in $CAIRN_POLICIES; do
    start_cairn cairn --shards "$CAIRN_SHARDS" --max-items "$cap" --eviction-policy "$p"
    hr=$(run_replay "${PORT[cairn]}" "$w")
    row+=$(printf " %7s (%5d)" "$hr" "$(cli cairn dbsize)")
    stop_named cairn
  done
  echo "$row"
done
