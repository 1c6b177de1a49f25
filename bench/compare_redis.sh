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
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$ROOT/bench/lib.sh"
# CAIRN_SERVER CAIRN_ARGS REDIS_BENCHMARK PIPELINES CLIENTS DATA_SIZE KEYSPACE ROUNDS REQUESTS
bench_knobs
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_ARGS=${REDIS_ARGS:-}
TESTS=${TESTS:-"set get"}
TARGET_SECONDS=${TARGET_SECONDS:-4}
BENCH_THREADS=${BENCH_THREADS:-1}
CSV_OUT=${CSV_OUT:-}

bench_init compare_redis cairn-compare

[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it: cmake -S . -B build" \
  "-G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2, or set CAIRN_SERVER)"
need_cmd "$REDIS_SERVER" redis-server
need_cmd "$BENCH" redis-tools
need_cmd redis-cli redis-tools

start_cairn cairn  # on an ephemeral port, which it logs
# shellcheck disable=SC2086  # REDIS_ARGS is a list of flags
start_redis redis $REDIS_ARGS
CAIRN_PORT=${PORT[cairn]}
REDIS_PORT=${PORT[redis]}

# --- benchmark -----------------------------------------------------------------------------------
calibrate() {  # test pipeline -> n giving about TARGET_SECONDS per run on redis
  if [[ -n $REQUESTS ]]; then echo "$REQUESTS"; return; fi
  local probe=$((20000 * $2)) rps
  rps=$(run_bench redis "$1" "$2" "$probe" --threads "$BENCH_THREADS" | awk '{ print $1 }')
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
        result=$(run_bench "$server" "$test" "$pipeline" "$n" --threads "$BENCH_THREADS")
        [[ -n $result ]] || die "no result from redis-benchmark ($server $test -P $pipeline)"
        echo "$result" >>"$WORK/$server.runs"
        [[ -n $CSV_OUT ]] && echo "$server,$test,$pipeline,$round,$n,${result// /,}" >>"$CSV_OUT"
        # shellcheck disable=SC2086  # result is "rps p99": two printf arguments
        printf '  %-5s %-4s P%-3s round %d/%d: %s ops/s, p99 %s ms\n' "$server" "$test" \
          "$pipeline" "$round" "$ROUNDS" ${result} >&2
      done
    done
    c_rps=$(median_col "$WORK/cairn.runs" 1)
    r_rps=$(median_col "$WORK/redis.runs" 1)
    c_p99=$(median_col "$WORK/cairn.runs" 2)
    r_p99=$(median_col "$WORK/redis.runs" 2)
    ratio=$(awk -v a="$c_rps" -v b="$r_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    ROWS+=("$(printf '%-10s %8s %14.0f %14.0f %12s %14s %14s' \
      "$(echo "$test" | tr '[:lower:]' '[:upper:]')" "$pipeline" "$c_rps" "$r_rps" "$ratio" \
      "$c_p99" "$r_p99")")
  done
done

# the servers must still be alive: a crash mid-run would make the numbers meaningless
check_alive cairn redis

echo
printf '%-10s %8s %14s %14s %12s %14s %14s\n' test pipeline "cairn ops/s" "redis ops/s" \
  "cairn/redis" "cairn p99 ms" "redis p99 ms"
printf '%s\n' "${ROWS[@]}"
