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
CAIRN_SERVER=${CAIRN_SERVER:-$ROOT/build/cairn-server}
CAIRN_ARGS=${CAIRN_ARGS:-}
BENCH=${REDIS_BENCHMARK:-redis-benchmark}
TESTS=${TESTS:-"set get"}
PIPELINES=${PIPELINES:-"1 16"}
CLIENTS=${CLIENTS:-50}
DATA_SIZE=${DATA_SIZE:-64}
KEYSPACE=${KEYSPACE:-100000}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-1}
CONFIGS=(base metrics kea)

die() { echo "observability_bench: $*" >&2; exit 1; }

[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it, or set CAIRN_SERVER)"
command -v "$BENCH" >/dev/null || die "redis-benchmark not found (apt-get install redis-tools)"
command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-obs-bench.XXXXXX")
declare -A PORT=() PID=()
SUB_PID=""
WC_PID=""
SCRAPER_PID=""

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
  stop_pid "$SCRAPER_PID"
  stop_pid "$SUB_PID"
  stop_pid "$WC_PID"
  for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cli() { redis-cli -h 127.0.0.1 -p "${PORT[$1]}" "${@:2}"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_cairn() {  # NAME FLAGS...
  local name=$1 log="$WORK/$1.log"
  shift
  mkdir -p "$WORK/$name-data"
  : >"$log"
  # shellcheck disable=SC2086  # CAIRN_ARGS is a list of flags
  "$CAIRN_SERVER" --port 0 --bind 127.0.0.1 --data-dir "$WORK/$name-data" "$@" $CAIRN_ARGS \
    >"$log" 2>&1 &
  PID[$name]=$!
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*ready to accept connections on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" |
      head -n1)
    [[ -n $port ]] && break
    kill -0 "${PID[$name]}" 2>/dev/null || { cat "$log" >&2; die "cairn-server ($name) exited"; }
    sleep 0.1
  done
  [[ -n $port ]] || { cat "$log" >&2; die "cairn-server ($name) not ready within 10 s"; }
  PORT[$name]=$port
  for _ in $(seq 100); do
    [[ $(cli "$name" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.1
  done
  die "cairn-server ($name) does not answer PING"
}

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
redis-cli -h 127.0.0.1 -p "${PORT[kea]}" psubscribe '__key*__:*' >"$WORK/sub.fifo" 2>&1 &
SUB_PID=$!
wc -c <"$WORK/sub.fifo" >"$WORK/sub.bytes" &
WC_PID=$!
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
SCRAPER_PID=$!

# --- benchmark -----------------------------------------------------------------------------------
run_bench() {  # name test pipeline n -> "rps p99_ms"
  local out
  out=$("$BENCH" -h 127.0.0.1 -p "${PORT[$1]}" -t "$2" -P "$3" -n "$4" -c "$CLIENTS" \
    -d "$DATA_SIZE" -r "$KEYSPACE" --csv 2>/dev/null) || die "redis-benchmark failed ($1 $2)"
  echo "$out" | awk -F'","' 'NR > 1 && NF >= 7 { gsub(/"/, "", $2); print $2, $7; exit }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                              else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

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
    base=$(awk '{ print $1 }' "$WORK/base.runs" | median)
    for c in "${CONFIGS[@]}"; do
      rps=$(awk '{ print $1 }' "$WORK/$c.runs" | median)
      p99=$(awk '{ print $2 }' "$WORK/$c.runs" | median)
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

for c in "${CONFIGS[@]}"; do
  kill -0 "${PID[$c]}" 2>/dev/null || { cat "$WORK/$c.log" >&2; die "cairn-server ($c) died"; }
done
numpat=$(cli kea pubsub numpat)
sub_alive=yes
kill -0 "$SUB_PID" 2>/dev/null || sub_alive=no
stop_pid "$SCRAPER_PID"
SCRAPER_PID=""
stop_pid "$SUB_PID"
SUB_PID=""
wait "$WC_PID" 2>/dev/null || true
WC_PID=""

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
