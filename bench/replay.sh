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
#   WORKLOADS        "zipf:0.8 zipf:1.0 scan:0.9 shift:0.9 loop:0.9"
#   KEYS             zipf key count (default 100000)
#   REQUESTS         requests per trace (default 1000000)
#   FRACTION         cache size, fraction of distinct keys (default 0.05)
#   CAIRN_POLICIES   cairn policies to run (default "adaptive lru")
#   CAIRN_SHARDS     cairn shards (default 1, like redis's single keyspace; adaptive needs a few
#                    thousand entries per shard for its miniature simulations)
#   VALUE_SIZE       bytes per value (default 32)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
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

die() { echo "replay.sh: $*" >&2; exit 1; }
[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (set BUILD or CAIRN_SERVER)"
[[ -x $REPLAY ]] || die "no replay at $REPLAY (cmake --build $BUILD --target replay)"
command -v "$REDIS_SERVER" >/dev/null || die "redis-server not found (apt-get install redis-server)"
command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-replay.XXXXXX")
CAIRN_PID=""
REDIS_PID=""

stop_pid() {  # SIGTERM, then SIGKILL after 10 s
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$CAIRN_PID"
  stop_pid "$REDIS_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rcli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
wait_for_ping() {  # port pid log
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "server (pid $2) exited during startup"; }
    [[ $(rcli "$1" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.1
  done
  cat "$3" >&2
  die "server on port $1 did not answer PING within 10 s"
}

start_cairn() {  # policy capacity -> sets CAIRN_PID, CAIRN_PORT
  rm -rf "$WORK/cairn-data"
  mkdir -p "$WORK/cairn-data"
  : >"$WORK/cairn.log"
  "$CAIRN_SERVER" --port 0 --bind 127.0.0.1 --data-dir "$WORK/cairn-data" --shards "$CAIRN_SHARDS" \
    --max-items "$2" --eviction-policy "$1" >"$WORK/cairn.log" 2>&1 &
  CAIRN_PID=$!
  CAIRN_PORT=""
  for _ in $(seq 100); do
    CAIRN_PORT=$(sed -n 's/.*ready to accept connections on [^ ]*:\([0-9][0-9]*\).*/\1/p' \
      "$WORK/cairn.log" | head -n1)
    [[ -n $CAIRN_PORT ]] && break
    kill -0 "$CAIRN_PID" 2>/dev/null || { cat "$WORK/cairn.log" >&2; die "cairn-server exited"; }
    sleep 0.1
  done
  [[ -n $CAIRN_PORT ]] || die "cairn-server not ready within 10 s"
  wait_for_ping "$CAIRN_PORT" "$CAIRN_PID" "$WORK/cairn.log"
}

REDIS_PORT=$(free_port)
mkdir -p "$WORK/redis-data"
"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORK/redis-data" --daemonize no --logfile "" --enable-debug-command local \
  >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
wait_for_ping "$REDIS_PORT" "$REDIS_PID" "$WORK/redis.log"

used_memory() { rcli "$REDIS_PORT" info memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p'; }

# Writes n keys "k:<i>" (i from `from`) through real SETs, which evict under maxmemory.
redis_fill() {  # from n
  awk -v from="$1" -v n="$2" -v size="$VALUE_SIZE" 'BEGIN {
    v = ""; for (j = 0; j < size; j++) v = v "v"
    for (i = from; i < from + n; i++) {
      k = "k:" i
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
    }
  }' | rcli "$REDIS_PORT" --pipe >/dev/null
}

redis_capacity() {  # keys -> configures maxmemory so that about that many keys stay resident
  local base used max d
  rcli "$REDIS_PORT" config set maxmemory 0 >/dev/null
  rcli "$REDIS_PORT" config set maxmemory-policy allkeys-lru >/dev/null
  rcli "$REDIS_PORT" flushall sync >/dev/null
  base=$(used_memory)
  rcli "$REDIS_PORT" debug populate "$1" k "$VALUE_SIZE" >/dev/null
  used=$(used_memory)
  max=$used
  # used_memory is not linear in the key count (hash table growth, allocator classes): overfill
  # with evicting SETs and rescale from the keys that stayed, twice.
  for round in 1 2; do
    rcli "$REDIS_PORT" flushall sync >/dev/null
    rcli "$REDIS_PORT" config set maxmemory "$max" >/dev/null
    redis_fill $((round * 10000000)) $(($1 * 3 / 2))
    d=$(rcli "$REDIS_PORT" dbsize)
    max=$(awk -v b="$base" -v m="$max" -v c="$1" -v d="$d" 'BEGIN { printf "%d", b + (m - b) * c / d }')
  done
  rcli "$REDIS_PORT" flushall sync >/dev/null
  rcli "$REDIS_PORT" config set maxmemory "$max" >/dev/null
}

run_replay() {  # port workload -> hit ratio
  "$REPLAY" --port "$1" -w "$2" -k "$KEYS" -n "$REQUESTS" -f "$FRACTION" \
    --value-size "$VALUE_SIZE" | sed -n 's/.*hit_ratio=\([0-9.]*\).*/\1/p'
}

echo "redis: $("$REDIS_SERVER" --version | cut -d' ' -f1-3); cairn: $CAIRN_SERVER" \
  "(shards $CAIRN_SHARDS); keys=$KEYS requests=$REQUESTS cache=$FRACTION of distinct keys"
header=$(printf "%-12s %8s" workload capacity)
header+=$(printf " %14s %14s" "redis-lru" "redis-lfu")
for p in $CAIRN_POLICIES; do header+=$(printf " %14s" "cairn-$p"); done
echo "$header   (hit ratio %, resident keys at the end)"
for w in $WORKLOADS; do
  unique=$("$REPLAY" --unique -w "$w" -k "$KEYS" -n "$REQUESTS" -f "$FRACTION")
  cap=$(awk -v u="$unique" -v f="$FRACTION" 'BEGIN { printf "%d", u * f }')
  row=$(printf "%-12s %8d" "$w" "$cap")
  for rp in allkeys-lru allkeys-lfu; do
    redis_capacity "$cap"
    rcli "$REDIS_PORT" config set maxmemory-policy "$rp" >/dev/null
    hr=$(run_replay "$REDIS_PORT" "$w")
    row+=$(printf " %7s (%5d)" "$hr" "$(rcli "$REDIS_PORT" dbsize)")
  done
  for p in $CAIRN_POLICIES; do
    start_cairn "$p" "$cap"
    hr=$(run_replay "$CAIRN_PORT" "$w")
    row+=$(printf " %7s (%5d)" "$hr" "$(rcli "$CAIRN_PORT" dbsize)")
    stop_pid "$CAIRN_PID"
    CAIRN_PID=""
  done
  echo "$row"
done
