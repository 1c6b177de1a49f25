#!/usr/bin/env bash
# compare_redis.sh — throughput and p99 latency of cairn-server against Debian's redis-server,
# both driven by the same redis-benchmark runs. See bench/README.md for how to read the table.
#
# Both servers run on free loopback ports at the same time (redis with --save '' --appendonly no);
# runs alternate cairn, redis, cairn, redis ... for ROUNDS rounds and the table shows medians.
# Every knob is an environment variable:
#   CAIRN_SERVER     cairn binary (default: <repo>/build/cairn-server)
#   CAIRN_ARGS       extra cairn flags, e.g. "--io-threads 2 --shards 16"   (default: none)
#   REDIS_SERVER     redis-server binary (default: redis-server)
#   REDIS_ARGS       extra redis-server flags (default: none)
#   TESTS            redis-benchmark tests (default: "set get")
#   PIPELINES        pipeline depths (default: "1 16")
#   CLIENTS          parallel connections (default: 50)
#   DATA_SIZE        value size in bytes, -d (default: 64)
#   KEYSPACE         random key space, -r (default: 100000)
#   ROUNDS           rounds per test, medians are reported (default: 3)
#   TARGET_SECONDS   wanted length of one run; -n is calibrated on redis (default: 4)
#   REQUESTS         fixed -n for every run instead of calibrating (default: unset)
#   BENCH_THREADS    redis-benchmark --threads (default: 1)
#   CSV_OUT          also write the raw per-run results to this CSV file (default: unset)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CAIRN_SERVER=${CAIRN_SERVER:-$ROOT/build/cairn-server}
CAIRN_ARGS=${CAIRN_ARGS:-}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_ARGS=${REDIS_ARGS:-}
BENCH=${REDIS_BENCHMARK:-redis-benchmark}
TESTS=${TESTS:-"set get"}
PIPELINES=${PIPELINES:-"1 16"}
CLIENTS=${CLIENTS:-50}
DATA_SIZE=${DATA_SIZE:-64}
KEYSPACE=${KEYSPACE:-100000}
ROUNDS=${ROUNDS:-3}
TARGET_SECONDS=${TARGET_SECONDS:-4}
REQUESTS=${REQUESTS:-}
BENCH_THREADS=${BENCH_THREADS:-1}
CSV_OUT=${CSV_OUT:-}

die() { echo "compare_redis: $*" >&2; exit 1; }

[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it: cmake -S . -B build" \
  "-G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2, or set CAIRN_SERVER)"
command -v "$REDIS_SERVER" >/dev/null || die "redis-server not found (apt-get install redis-server)"
command -v "$BENCH" >/dev/null || die "redis-benchmark not found (apt-get install redis-tools)"
command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-compare.XXXXXX")
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

wait_for_ping() {  # port, pid, log
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "server (pid $2) exited during startup"; }
    [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.1
  done
  cat "$3" >&2
  die "server on port $1 did not answer PING within 10 s"
}

# --- start cairn: it binds an ephemeral port and logs it -----------------------------------------
mkdir -p "$WORK/cairn-data" "$WORK/redis-data"
: >"$WORK/cairn.log"  # exists before the background job opens it: the port poll reads it at once
# shellcheck disable=SC2086  # CAIRN_ARGS is a list of flags
"$CAIRN_SERVER" --port 0 --bind 127.0.0.1 --data-dir "$WORK/cairn-data" $CAIRN_ARGS \
  >"$WORK/cairn.log" 2>&1 &
CAIRN_PID=$!
CAIRN_PORT=""
for _ in $(seq 100); do
  CAIRN_PORT=$(sed -n 's/.*ready to accept connections on [^ ]*:\([0-9][0-9]*\).*/\1/p' \
    "$WORK/cairn.log" | head -n1)
  [[ -n $CAIRN_PORT ]] && break
  kill -0 "$CAIRN_PID" 2>/dev/null || { cat "$WORK/cairn.log" >&2; die "cairn-server exited"; }
  sleep 0.1
done
[[ -n $CAIRN_PORT ]] || { cat "$WORK/cairn.log" >&2; die "cairn-server not ready within 10 s"; }
wait_for_ping "$CAIRN_PORT" "$CAIRN_PID" "$WORK/cairn.log"

# --- start redis ---------------------------------------------------------------------------------
REDIS_PORT=$(free_port)
# shellcheck disable=SC2086
"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORK/redis-data" --daemonize no --logfile "" $REDIS_ARGS >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
wait_for_ping "$REDIS_PORT" "$REDIS_PID" "$WORK/redis.log"

# --- benchmark -----------------------------------------------------------------------------------
# run_bench port test pipeline n -> "rps p99_ms" (from redis-benchmark --csv)
run_bench() {
  local out
  out=$("$BENCH" -h 127.0.0.1 -p "$1" -t "$2" -P "$3" -n "$4" -c "$CLIENTS" -d "$DATA_SIZE" \
    -r "$KEYSPACE" --threads "$BENCH_THREADS" --csv 2>/dev/null) ||
    die "redis-benchmark failed against port $1 ($2, -P $3)"
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",...
  echo "$out" | awk -F'","' 'NR > 1 && NF >= 7 { gsub(/"/, "", $2); print $2, $7; exit }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                              else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

calibrate() {  # test pipeline -> n giving about TARGET_SECONDS per run on redis
  if [[ -n $REQUESTS ]]; then echo "$REQUESTS"; return; fi
  local probe=$((20000 * $2)) rps
  rps=$(run_bench "$REDIS_PORT" "$1" "$2" "$probe" | awk '{ print $1 }')
  awk -v r="$rps" -v s="$TARGET_SECONDS" -v p="$2" \
    'BEGIN { n = int(r * s); m = 10000 * p; if (n < m) n = m; print n }'
}

echo "cairn: $CAIRN_SERVER (port $CAIRN_PORT) $CAIRN_ARGS"
echo "redis: $("$REDIS_SERVER" --version | cut -d' ' -f1-3) (port $REDIS_PORT) $REDIS_ARGS"
echo "clients=$CLIENTS data=${DATA_SIZE}B keyspace=$KEYSPACE rounds=$ROUNDS cores=$(nproc)" \
  "bench-threads=$BENCH_THREADS"
[[ -n $CSV_OUT ]] && echo "server,test,pipeline,round,requests,rps,p99_ms" >"$CSV_OUT"

declare -a ROWS=()
for pipeline in $PIPELINES; do
  for test in $TESTS; do
    n=$(calibrate "$test" "$pipeline")
    : >"$WORK/cairn.runs"
    : >"$WORK/redis.runs"
    for round in $(seq "$ROUNDS"); do
      for server in cairn redis; do
        if [[ $server == cairn ]]; then port=$CAIRN_PORT; else port=$REDIS_PORT; fi
        result=$(run_bench "$port" "$test" "$pipeline" "$n")
        [[ -n $result ]] || die "no result from redis-benchmark ($server $test -P $pipeline)"
        echo "$result" >>"$WORK/$server.runs"
        [[ -n $CSV_OUT ]] && echo "$server,$test,$pipeline,$round,$n,${result// /,}" >>"$CSV_OUT"
        printf '  %-5s %-4s P%-3s round %d/%d: %s ops/s, p99 %s ms\n' "$server" "$test" \
          "$pipeline" "$round" "$ROUNDS" ${result} >&2
      done
    done
    c_rps=$(awk '{ print $1 }' "$WORK/cairn.runs" | median)
    r_rps=$(awk '{ print $1 }' "$WORK/redis.runs" | median)
    c_p99=$(awk '{ print $2 }' "$WORK/cairn.runs" | median)
    r_p99=$(awk '{ print $2 }' "$WORK/redis.runs" | median)
    ratio=$(awk -v a="$c_rps" -v b="$r_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    ROWS+=("$(printf '%-10s %8s %14.0f %14.0f %12s %14s %14s' \
      "$(echo "$test" | tr '[:lower:]' '[:upper:]')" "$pipeline" "$c_rps" "$r_rps" "$ratio" \
      "$c_p99" "$r_p99")")
  done
done

# the servers must still be alive: a crash mid-run would make the numbers meaningless
kill -0 "$CAIRN_PID" 2>/dev/null || { cat "$WORK/cairn.log" >&2; die "cairn-server died"; }
kill -0 "$REDIS_PID" 2>/dev/null || die "redis-server died"

echo
printf '%-10s %8s %14s %14s %12s %14s %14s\n' test pipeline "cairn ops/s" "redis ops/s" \
  "cairn/redis" "cairn p99 ms" "redis p99 ms"
printf '%s\n' "${ROWS[@]}"
