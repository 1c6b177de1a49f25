#!/usr/bin/env bash
# observability_bench.sh — what observability costs (issue 5), measured side by side in one run.
# Three cairn-servers run at the same time and redis-benchmark runs alternate between them for
# ROUNDS rounds; the table shows medians and the ratio to the baseline:
#
#   base      metrics-port 0, notify-keyspace-events ""            (nothing on)
#   metrics   metrics-port P, /metrics scraped every SCRAPE_INTERVAL s (curl), notifications off
#             (issue target: >= 0.98x base, i.e. under 2% cost)
#   kea       notify-keyspace-events KEA and one subscriber (redis-cli PSUBSCRIBE '__key*__:*'
#             reading everything as fast as it can): what full notifications cost, reported as is
#
# The subscriber's byte count and the scrape count are printed so that a run where nothing was
# delivered or scraped cannot pass for a cheap one; a subscriber dropped by its output buffer
# limit is reported too (its later rounds would then measure nothing).
#
# Build Release first (cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build
# build -j2). Every knob is an environment variable:
#   CAIRN_SERVER      cairn binary (default: <repo>/build/cairn-server)
#   CAIRN_ARGS        extra flags for every cairn-server, e.g. "--io-threads 2" (default: none)
#   TESTS             redis-benchmark tests (default: "set get")
#   PIPELINES         pipeline depths (default: "1 16")
#   CLIENTS           parallel connections (default: 50)
#   DATA_SIZE         value size in bytes, -d (default: 64)
#   KEYSPACE          random key space, -r (default: 100000)
#   ROUNDS            rounds per configuration, medians are reported (default: 3)
#   REQUESTS          -n per run (default: 200000 x the pipeline depth)
#   SCRAPE_INTERVAL   seconds between two scrapes of /metrics (default: 1)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$ROOT/bench/lib.sh"
# CAIRN_SERVER CAIRN_ARGS REDIS_BENCHMARK PIPELINES CLIENTS DATA_SIZE KEYSPACE ROUNDS REQUESTS
bench_knobs
TESTS=${TESTS:-"set get"}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-1}
CONFIGS=(base metrics kea)

bench_init observability_bench cairn-obs-bench

[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it, or set CAIRN_SERVER)"
need_cmd "$BENCH" redis-tools
need_cmd redis-cli redis-tools
need_cmd curl curl

# --- servers, subscriber, scraper ----------------------------------------------------------------
start_cairn base
METRICS_PORT=$(free_port)
start_cairn metrics --metrics-port "$METRICS_PORT" --metrics-bind 127.0.0.1
start_cairn kea
[[ $(cli kea config set notify-keyspace-events KEA) == OK ]] ||
  die "CONFIG SET notify-keyspace-events refused: keyspace notifications (issue 5) not built in"
[[ $(cli kea config get notify-keyspace-events | tail -n1) == AKE ]] ||
  die "notify-keyspace-events did not take"
curl -sf -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics" ||
  die "no /metrics on port $METRICS_PORT: the Prometheus endpoint (issue 5) is not built in"

mkfifo "$WORK/sub.fifo"
# redis-cli itself, not the cli function: $! must be its pid (a function runs in a subshell)
redis-cli -h 127.0.0.1 -p "${PORT[kea]}" psubscribe '__key*__:*' >"$WORK/sub.fifo" 2>&1 &
PID[sub]=$!
wc -c <"$WORK/sub.fifo" >"$WORK/sub.bytes" &
PID[wc]=$!
for _ in $(seq 100); do
  [[ $(cli kea pubsub numpat) == 1 ]] && break
  sleep 0.1
done
[[ $(cli kea pubsub numpat) == 1 ]] || die "the subscriber did not subscribe"

: >"$WORK/scrapes"
(
  while :; do
    curl -sf -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics" && echo >>"$WORK/scrapes"
    sleep "$SCRAPE_INTERVAL"
  done
) &
PID[scraper]=$!

# --- benchmark -----------------------------------------------------------------------------------
echo "cairn: $CAIRN_SERVER $CAIRN_ARGS"
echo "clients=$CLIENTS data=${DATA_SIZE}B keyspace=$KEYSPACE rounds=$ROUNDS cores=$(nproc)" \
  "scrape-interval=${SCRAPE_INTERVAL}s"

declare -a ROWS=()
for pipeline in $PIPELINES; do
  n=${REQUESTS:-$((200000 * pipeline))}
  for test in $TESTS; do
    for c in "${CONFIGS[@]}"; do : >"$WORK/$c.runs"; done
    for round in $(seq "$ROUNDS"); do
      for c in "${CONFIGS[@]}"; do
        result=$(run_bench "$c" "$test" "$pipeline" "$n")
        [[ -n $result ]] || die "no result from redis-benchmark ($c $test -P $pipeline)"
        echo "$result" >>"$WORK/$c.runs"
        # shellcheck disable=SC2086  # result is "rps p99": two printf arguments
        printf '  %-8s %-4s P%-3s round %d/%d: %s ops/s, p99 %s ms\n' "$c" "$test" "$pipeline" \
          "$round" "$ROUNDS" ${result} >&2
      done
    done
    base=$(median_col "$WORK/base.runs" 1)
    for c in "${CONFIGS[@]}"; do
      rps=$(median_col "$WORK/$c.runs" 1)
      p99=$(median_col "$WORK/$c.runs" 2)
      ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
      note=""
      [[ $c == metrics ]] && note=$(awk -v r="$ratio" \
        'BEGIN { print (r >= 0.98 ? "ok (cost < 2%)" : "MISSED (cost >= 2%)") }')
      [[ $c == kea ]] && note=$(awk -v r="$ratio" 'BEGIN { printf "cost %.1f%%", (1 - r) * 100 }')
      ROWS+=("$(printf '%-8s %-5s %8s %14.0f %10s %10s   %s' "$c" \
        "$(echo "$test" | tr '[:lower:]' '[:upper:]')" "$pipeline" "$rps" "$p99" "$ratio" "$note")")
    done
  done
done

check_alive "${CONFIGS[@]}"
numpat=$(cli kea pubsub numpat)
sub_alive=yes
kill -0 "${PID[sub]}" 2>/dev/null || sub_alive=no
stop_named scraper
stop_named sub
wait "${PID[wc]}" 2>/dev/null || true  # wc ends once the subscriber's output is closed
unset 'PID[wc]'

echo
echo "Throughput cost of observability (median of $ROUNDS rounds)"
printf '%-8s %-5s %8s %14s %10s %10s\n' config test pipeline "ops/s" "p99 ms" "vs base"
printf '%s\n' "${ROWS[@]}"
echo "metrics: $(wc -l <"$WORK/scrapes") scrapes of /metrics"
echo "kea: the subscriber received $(cat "$WORK/sub.bytes" 2>/dev/null || echo '?') bytes;" \
  "still subscribed at the end: $sub_alive (PUBSUB NUMPAT $numpat)"
[[ $sub_alive == yes && $numpat == 1 ]] ||
  echo "WARNING: the subscriber was disconnected (output buffer limit?): later kea rounds" \
    "measured fewer deliveries" >&2
