#!/usr/bin/env bash
# persistence_bench.sh — what persistence costs (issue 4), measured side by side in one run:
#
#   1. SET ops/s with write-policy write-back, and write-through (write-sync no, and yes when
#      WITH_FSYNC=1), against write-policy none: three (four) cairn-servers run at the same time
#      and redis-benchmark runs alternate between them for ROUNDS rounds; medians and the ratio
#      to `none` are printed (issue target: write-back >= 0.90x none).
#   2. Flush throughput: FLUSH_KEYS distinct keys made dirty on a write-back server whose timer
#      never fires, then one timed WRITEBACK FLUSH: keys written per second.
#   3. BGSAVE of SNAPSHOT_KEYS keys: its duration, and the latency a concurrent client sees
#      (GETs of random keys, one at a time) during the BGSAVE against the same client on the same
#      data with no snapshot running (issue target: p99.9 under 5 ms during BGSAVE).
#
# Build Release first (cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build
# build -j2). Every knob is an environment variable:
#   CAIRN_SERVER      cairn binary (default: <repo>/build/cairn-server)
#   CAIRN_ARGS        extra flags for every cairn-server, e.g. "--io-threads 2" (default: none)
#   PIPELINES         pipeline depths for part 1 (default: "1 16")
#   CLIENTS           parallel connections (default: 50)
#   DATA_SIZE         value size in bytes, -d (default: 64)
#   KEYSPACE          random key space, -r (default: 100000)
#   ROUNDS            rounds per configuration, medians are reported (default: 3)
#   REQUESTS          -n per redis-benchmark run (default: 200000 per pipeline depth of 1,
#                     multiplied by the depth)
#   WRITE_BACK_INTERVAL_MS  write-back-interval-ms of the part 1 server (default: 1000)
#   WITH_FSYNC        1 adds write-through with write-sync yes to part 1 (default: 0)
#   FLUSH_KEYS        dirty keys for part 2 (default: 200000)
#   SNAPSHOT_KEYS     keys for part 3 (default: 1000000)
#   PARTS             which parts to run (default: "1 2 3")
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CAIRN_SERVER=${CAIRN_SERVER:-$ROOT/build/cairn-server}
CAIRN_ARGS=${CAIRN_ARGS:-}
BENCH=${REDIS_BENCHMARK:-redis-benchmark}
PIPELINES=${PIPELINES:-"1 16"}
CLIENTS=${CLIENTS:-50}
DATA_SIZE=${DATA_SIZE:-64}
KEYSPACE=${KEYSPACE:-100000}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-}
WRITE_BACK_INTERVAL_MS=${WRITE_BACK_INTERVAL_MS:-1000}
WITH_FSYNC=${WITH_FSYNC:-0}
FLUSH_KEYS=${FLUSH_KEYS:-200000}
SNAPSHOT_KEYS=${SNAPSHOT_KEYS:-1000000}
PARTS=${PARTS:-"1 2 3"}
NEVER_MS=3600000

die() { echo "persistence_bench: $*" >&2; exit 1; }

[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it, or set CAIRN_SERVER)"
command -v "$BENCH" >/dev/null || die "redis-benchmark not found (apt-get install redis-tools)"
command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"
command -v python3 >/dev/null || die "python3 not found"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-persist-bench.XXXXXX")
declare -A PORT=() PID=()

stop_pid() {  # SIGTERM, then SIGKILL after 30 s (a write-back server flushes on the way out)
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cli() { redis-cli -h 127.0.0.1 -p "${PORT[$1]}" "${@:2}"; }

# start_cairn NAME FLAGS... : starts a cairn-server with its own data dir, reads its port
start_cairn() {
  local name=$1 log="$WORK/$1.log"
  shift
  mkdir -p "$WORK/$name-data"
  : >"$log"
  # shellcheck disable=SC2086  # CAIRN_ARGS is a list of flags
  "$CAIRN_SERVER" --port 0 --bind 127.0.0.1 --data-dir "$WORK/$name-data" "$@" $CAIRN_ARGS \
    >"$log" 2>&1 &
  PID[$name]=$!
  local port=""
  for _ in $(seq 300); do
    port=$(sed -n 's/.*ready to accept connections on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" |
      head -n1)
    [[ -n $port ]] && break
    kill -0 "${PID[$name]}" 2>/dev/null || { cat "$log" >&2; die "cairn-server ($name) exited"; }
    sleep 0.1
  done
  [[ -n $port ]] || { cat "$log" >&2; die "cairn-server ($name) not ready within 30 s"; }
  PORT[$name]=$port
  for _ in $(seq 300); do  # warm-load / snapshot loading: wait for loading:0
    [[ $(cli "$name" info persistence 2>/dev/null | tr -d '\r' | sed -n 's/^loading://p') == 0 ]] &&
      return 0
    sleep 0.1
  done
  die "cairn-server ($name) still loading after 30 s"
}

stop_cairn() { stop_pid "${PID[$1]}"; unset "PID[$1]"; }

require_persistence() {  # the server must know WRITEBACK (issue 4)
  [[ -n $(cli "$1" command info writeback | head -n1) ]] ||
    die "this cairn-server has no WRITEBACK command: persistence (issue 4) is not built in"
}

info_field() { cli "$1" info "$2" | tr -d '\r' | sed -n "s/^$3://p"; }

now_ns() { date +%s%N; }

# fill NAME N: N distinct keys key:0..key:N-1 with DATA_SIZE-byte values, through redis-cli --pipe
fill() {
  awk -v n="$2" -v size="$DATA_SIZE" 'BEGIN {
      pad = sprintf("%0" size "d", 0)
      for (i = 0; i < n; i++) {
        k = "key:" i
        printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, size, pad
      }
    }' | cli "$1" --pipe >"$WORK/fill.log" 2>&1 || { cat "$WORK/fill.log" >&2; die "fill failed"; }
  grep -q "errors: 0" "$WORK/fill.log" || { cat "$WORK/fill.log" >&2; die "errors while filling"; }
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                              else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run_bench() {  # name pipeline n -> "rps p99_ms"
  local out
  out=$("$BENCH" -h 127.0.0.1 -p "${PORT[$1]}" -t set -P "$2" -n "$3" -c "$CLIENTS" \
    -d "$DATA_SIZE" -r "$KEYSPACE" --csv 2>/dev/null) || die "redis-benchmark failed ($1)"
  echo "$out" | awk -F'","' 'NR > 1 && NF >= 7 { gsub(/"/, "", $2); print $2, $7; exit }'
}

echo "cairn: $CAIRN_SERVER $CAIRN_ARGS"
echo "clients=$CLIENTS data=${DATA_SIZE}B keyspace=$KEYSPACE rounds=$ROUNDS cores=$(nproc)"

# --- part 1: SET ops/s per write policy ----------------------------------------------------------
if [[ " $PARTS " == *" 1 "* ]]; then
  CONFIGS=(none write-back write-through)
  start_cairn none --write-policy none
  start_cairn write-back --write-policy write-back \
    --write-back-interval-ms "$WRITE_BACK_INTERVAL_MS"
  start_cairn write-through --write-policy write-through --write-sync no
  if [[ $WITH_FSYNC == 1 ]]; then
    CONFIGS+=(write-through-fsync)
    start_cairn write-through-fsync --write-policy write-through --write-sync yes
  fi
  require_persistence write-back
  declare -a ROWS=()
  for pipeline in $PIPELINES; do
    n=${REQUESTS:-$((200000 * pipeline))}
    for c in "${CONFIGS[@]}"; do : >"$WORK/$c.runs"; done
    for round in $(seq "$ROUNDS"); do
      for c in "${CONFIGS[@]}"; do
        result=$(run_bench "$c" "$pipeline" "$n")
        [[ -n $result ]] || die "no result from redis-benchmark ($c -P $pipeline)"
        echo "$result" >>"$WORK/$c.runs"
        # shellcheck disable=SC2086  # result is "rps p99": two printf arguments
        printf '  %-20s SET P%-3s round %d/%d: %s ops/s, p99 %s ms\n' "$c" "$pipeline" \
          "$round" "$ROUNDS" ${result} >&2
      done
    done
    base=$(awk '{ print $1 }' "$WORK/none.runs" | median)
    for c in "${CONFIGS[@]}"; do
      rps=$(awk '{ print $1 }' "$WORK/$c.runs" | median)
      p99=$(awk '{ print $2 }' "$WORK/$c.runs" | median)
      ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      target=""
      [[ $c == write-back ]] && target=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.90 ? "ok (>= 0.90)" : "MISSED (>= 0.90)") }')
      ROWS+=("$(printf '%-20s %8s %14.0f %12s %10s   %s' "$c" "$pipeline" "$rps" "$p99" \
        "$ratio" "$target")")
    done
  done
  wb_dirty=$(info_field write-back persistence dirty_keys)
  wb_errors=$(info_field write-back persistence flush_errors)
  for c in "${CONFIGS[@]}"; do
    kill -0 "${PID[$c]}" 2>/dev/null || die "cairn-server ($c) died during the benchmark"
    stop_cairn "$c"
  done
  echo
  echo "SET throughput by write policy (median of $ROUNDS rounds)"
  printf '%-20s %8s %14s %12s %10s\n' policy pipeline "ops/s" "p99 ms" "vs none"
  printf '%s\n' "${ROWS[@]}"
  echo "write-back at the end: dirty_keys=${wb_dirty:-?} flush_errors=${wb_errors:-?}"
fi

# --- part 2: flush throughput --------------------------------------------------------------------
if [[ " $PARTS " == *" 2 "* ]]; then
  start_cairn flush --write-policy write-back --write-back-interval-ms "$NEVER_MS" \
    --write-back-max-dirty 0 --write-back-hard-limit 0 --write-sync no
  require_persistence flush
  fill flush "$FLUSH_KEYS"
  dirty=$(info_field flush persistence dirty_keys)
  [[ $dirty == "$FLUSH_KEYS" ]] || die "expected $FLUSH_KEYS dirty keys, INFO says '$dirty'"
  t0=$(now_ns)
  written=$(cli flush writeback flush)
  t1=$(now_ns)
  [[ $written =~ ^[0-9]+$ ]] || die "WRITEBACK FLUSH replied '$written'"
  stop_cairn flush
  echo
  echo "Flush throughput"
  awk -v k="$written" -v ns=$((t1 - t0)) 'BEGIN {
    printf "WRITEBACK FLUSH wrote %d keys (%d B values) in %.1f ms: %.0f keys/s\n",
           k, '"$DATA_SIZE"', ns / 1e6, (ns > 0 ? k / (ns / 1e9) : 0) }'
fi

# --- part 3: BGSAVE duration and concurrent latency ----------------------------------------------
if [[ " $PARTS " == *" 3 "* ]]; then
  start_cairn snap --write-policy none
  [[ -n $(cli snap command info bgsave | head -n1) ]] ||
    die "this cairn-server has no BGSAVE command: snapshots (issue 4) are not built in"
  fill snap "$SNAPSHOT_KEYS"
  keys=$(cli snap dbsize)
  [[ $keys == "$SNAPSHOT_KEYS" ]] || die "expected $SNAPSHOT_KEYS keys, DBSIZE says '$keys'"
  echo
  echo "BGSAVE of $SNAPSHOT_KEYS keys (${DATA_SIZE} B values), one client GETting random keys"
  python3 - "${PORT[snap]}" "$SNAPSHOT_KEYS" <<'PY' || die "BGSAVE measurement failed"
import random, socket, sys, threading, time

port, nkeys = int(sys.argv[1]), int(sys.argv[2])

class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")
    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()
    def read(self):
        line = self.f.readline()[:-2]
        t, rest = line[:1], line[1:]
        if t in (b"+", b":"):
            return int(rest) if t == b":" else rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        raise RuntimeError("unexpected reply %r" % line)

def probe(seconds=None, stop=None):
    c, rng, lat = Conn(), random.Random(1), []
    end = time.monotonic() + (seconds or 1e9)
    while time.monotonic() < end and not (stop and stop.is_set()):
        t0 = time.perf_counter()
        if c.cmd("GET", "key:%d" % rng.randrange(nkeys)) is None:
            raise RuntimeError("a key is missing")
        lat.append(time.perf_counter() - t0)
    return lat

def summary(lat):
    lat = sorted(lat)
    pick = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] * 1000
    return "%8d GETs  p50 %6.3f  p99 %6.3f  p99.9 %7.3f  max %8.3f ms" % (
        len(lat), pick(0.5), pick(0.99), pick(0.999), lat[-1] * 1000)

admin = Conn()
last = admin.cmd("LASTSAVE")
while int(time.time()) <= last:  # LASTSAVE counts seconds: make the next save visible
    time.sleep(0.01)
stop, during = threading.Event(), []
t = threading.Thread(target=lambda: during.extend(probe(stop=stop)))
t.start()
time.sleep(0.2)
reply = admin.cmd("BGSAVE")
t0 = time.monotonic()
while admin.cmd("LASTSAVE") <= last:
    time.sleep(0.005)
duration = time.monotonic() - t0
stop.set()
t.join()
idle = probe(seconds=max(1.0, duration))
print("BGSAVE replied %r and took %.3f s" % (reply, duration))
print("during BGSAVE: " + summary(during))
print("no snapshot:   " + summary(idle))
p999 = sorted(during)[min(len(during) - 1, int(len(during) * 0.999))] * 1000
print("target p99.9 < 5 ms during BGSAVE: %s (%.3f ms)" % ("ok" if p999 < 5 else "MISSED", p999))
PY
  stop_cairn snap
fi
