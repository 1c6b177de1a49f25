#!/usr/bin/env bash
# persistence_bench.sh — what persistence costs (issue 4), measured side by side in one run:
#
#   1. SET ops/s with write-policy write-back, and write-through (write-sync no, and yes when
#      WITH_FSYNC=1), against write-policy none: three (four) cairn-servers run at the same time
#      and redis-benchmark runs alternate between them for ROUNDS rounds; medians and the ratio
#      to `none` are printed, as the ratio of the medians and as the median of the per-round
#      ratios ("paired"; issue target: write-back >= 0.90x none on both). While one server is
#      measured the others are paused (SIGSTOP), so background work is billed to its owner.
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
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$ROOT/bench/lib.sh"
# CAIRN_SERVER CAIRN_ARGS REDIS_BENCHMARK PIPELINES CLIENTS DATA_SIZE KEYSPACE ROUNDS REQUESTS
bench_knobs
WRITE_BACK_INTERVAL_MS=${WRITE_BACK_INTERVAL_MS:-1000}
WITH_FSYNC=${WITH_FSYNC:-0}
FLUSH_KEYS=${FLUSH_KEYS:-200000}
SNAPSHOT_KEYS=${SNAPSHOT_KEYS:-1000000}
PARTS=${PARTS:-"1 2 3"}
NEVER_MS=3600000

bench_init persistence_bench cairn-persist-bench
BENCH_WAIT_S=30      # startup (warm load, snapshot) and shutdown (a write-back server flushes)
CAIRN_READY=loading  # start_cairn waits for INFO persistence loading:0

[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it, or set CAIRN_SERVER)"
need_cmd "$BENCH" redis-tools
need_cmd redis-cli redis-tools
need_cmd python3 python3

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

pause_others() {  # pause_others NAME STOP|CONT: signal every part 1 server except NAME
  local other
  for other in "${CONFIGS[@]}"; do
    [[ $other == "$1" ]] || kill "-$2" "${PID[$other]}" 2>/dev/null || true
  done
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
        # Only the measured server runs: the others are paused (SIGSTOP) so that their
        # background work (RocksDB compaction, a write-back flush) is not billed to it.
        pause_others "$c" STOP
        result=$(run_bench "$c" set "$pipeline" "$n")
        pause_others "$c" CONT
        [[ -n $result ]] || die "no result from redis-benchmark ($c -P $pipeline)"
        echo "$result" >>"$WORK/$c.runs"
        # shellcheck disable=SC2086  # result is "rps p99": two printf arguments
        printf '  %-20s SET P%-3s round %d/%d: %s ops/s, p99 %s ms\n' "$c" "$pipeline" \
          "$round" "$ROUNDS" ${result} >&2
      done
    done
    base=$(median_col "$WORK/none.runs" 1)
    for c in "${CONFIGS[@]}"; do
      rps=$(median_col "$WORK/$c.runs" 1)
      p99=$(median_col "$WORK/$c.runs" 2)
      ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      # The same, round by round (each round measures the policies back to back): the median
      # of the per-round ratios, which slow drift of the machine does not move.
      paired=$(paste "$WORK/$c.runs" "$WORK/none.runs" |
        awk '{ printf "%.4f\n", ($3 > 0 ? $1 / $3 : 0) }' | median |
        awk '{ printf "%.2f", $1 }')
      target=""
      # The target holds only if both statistics meet it.
      [[ $c == write-back ]] && target=$(awk -v r="$ratio" -v p="$paired" \
        'BEGIN { print (r >= 0.90 && p >= 0.90 ? "ok (>= 0.90)" : "MISSED (>= 0.90)") }')
      ROWS+=("$(printf '%-20s %8s %14.0f %12s %10s %10s   %s' "$c" "$pipeline" "$rps" "$p99" \
        "$ratio" "$paired" "$target")")
    done
  done
  wb_dirty=$(info_field write-back persistence dirty_keys)
  wb_errors=$(info_field write-back persistence flush_errors)
  check_alive "${CONFIGS[@]}"
  for c in "${CONFIGS[@]}"; do stop_named "$c"; done
  echo
  echo "SET throughput by write policy (median of $ROUNDS rounds)"
  printf '%-20s %8s %14s %12s %10s %10s\n' policy pipeline "ops/s" "p99 ms" "vs none" "paired"
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
  stop_named flush
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
import multiprocessing, random, socket, sys, time

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

def probe_process(stop=None, seconds=None):
    # The probe runs in its own process: sharing the GIL with the thread that polls LASTSAVE
    # put 5-20 ms GIL hand-over stalls into the "latencies" it measured.
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=lambda: q.put(probe(seconds=seconds, stop=stop)))
    p.start()
    return p, q

multiprocessing.set_start_method("fork")
admin = Conn()
last = admin.cmd("LASTSAVE")
while int(time.time()) <= last:  # LASTSAVE counts seconds: make the next save visible
    time.sleep(0.01)
stop = multiprocessing.Event()
proc, queue = probe_process(stop=stop)
time.sleep(0.2)
reply = admin.cmd("BGSAVE")
t0 = time.monotonic()
while admin.cmd("LASTSAVE") <= last:
    time.sleep(0.005)
duration = time.monotonic() - t0
stop.set()
during = queue.get()
proc.join()
proc, queue = probe_process(seconds=max(1.0, duration))
idle = queue.get()
proc.join()
print("BGSAVE replied %r and took %.3f s" % (reply, duration))
print("during BGSAVE: " + summary(during))
print("no snapshot:   " + summary(idle))
p999 = sorted(during)[min(len(during) - 1, int(len(during) * 0.999))] * 1000
print("target p99.9 < 5 ms during BGSAVE: %s (%.3f ms)" % ("ok" if p999 < 5 else "MISSED", p999))
PY
  stop_named snap
fi
