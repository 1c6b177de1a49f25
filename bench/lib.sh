# bench/lib.sh — shell code shared by the benchmark scripts in bench/ (sourced, not run).
#
# A script sets ROOT, then:
#   source "$ROOT/bench/lib.sh"
#   bench_knobs                  # the shared redis-benchmark knobs (optional), then its own knobs
#   bench_init NAME TMP_PREFIX   # die() prefix, $WORK (removed on exit), EXIT/INT/TERM traps
# Servers and helper processes are kept by name in PID[NAME] (and PORT[NAME] for servers);
# every process still in PID is stopped on exit. Knobs the functions read (set them before use):
#   CAIRN_SERVER, CAIRN_ARGS (extra flags for every cairn-server), REDIS_SERVER, BENCH
#   (redis-benchmark), CLIENTS, DATA_SIZE, KEYSPACE (run_bench), and two settings a script may
#   change after sourcing this file (they are not environment knobs):
#   BENCH_WAIT_S    seconds to wait for a server to start, and to exit before SIGKILL (10)
#   CAIRN_READY     what start_cairn waits for once the port is known: "ping" (PONG, the default)
#                   or "loading" (INFO persistence says loading:0: warm load / snapshot done)
# shellcheck shell=bash

BENCH_NAME=bench
BENCH_WAIT_S=10
CAIRN_READY=ping
WORK=""
declare -A PID=() PORT=() KIND=()  # KIND[NAME]: cairn-server or redis-server, for messages

# bench_knobs: the redis-benchmark knobs that compare_redis.sh, observability_bench.sh and
# persistence_bench.sh share (environment variables, same defaults in each script's header);
# BENCH is the redis-benchmark binary. Needs ROOT (the repository).
bench_knobs() {
  CAIRN_SERVER=${CAIRN_SERVER:-$ROOT/build/cairn-server}
  CAIRN_ARGS=${CAIRN_ARGS:-}
  BENCH=${REDIS_BENCHMARK:-redis-benchmark}
  PIPELINES=${PIPELINES:-"1 16"}
  CLIENTS=${CLIENTS:-50}
  DATA_SIZE=${DATA_SIZE:-64}
  KEYSPACE=${KEYSPACE:-100000}
  ROUNDS=${ROUNDS:-3}
  REQUESTS=${REQUESTS:-}
}

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

need_cmd() { command -v "$1" >/dev/null || die "$1 not found (apt-get install $2)"; }  # CMD PACKAGE

# stop_pid PID: SIGCONT (it may be paused), SIGTERM, then SIGKILL after BENCH_WAIT_S seconds
stop_pid() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((BENCH_WAIT_S * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_named() {  # NAME: stops PID[NAME] and forgets it
  [[ -n ${PID[$1]:-} ]] && stop_pid "${PID[$1]}"
  unset "PID[$1]" "PORT[$1]" "KIND[$1]"
}

bench_cleanup() {
  local name
  for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
  [[ -z $WORK ]] || rm -rf "$WORK"
}

bench_init() {  # NAME TMP_PREFIX
  BENCH_NAME=$1
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$2.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

cli() { redis-cli -h 127.0.0.1 -p "${PORT[$1]}" "${@:2}"; }  # NAME ARGS...

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

label() { echo "${KIND[$1]:-process} ($1)"; }  # NAME

# wait_ready NAME WHAT CHECK...: runs CHECK until it succeeds, BENCH_WAIT_S seconds at most
wait_ready() {
  local name=$1 what=$2
  shift 2
  for _ in $(seq $((BENCH_WAIT_S * 10))); do
    kill -0 "${PID[$name]}" 2>/dev/null ||
      { cat "$WORK/$name.log" >&2; die "$(label "$name") exited during startup"; }
    "$@" && return 0
    sleep 0.1
  done
  cat "$WORK/$name.log" >&2
  die "$(label "$name") $what within $BENCH_WAIT_S s"
}

answers_ping() { [[ $(cli "$1" ping 2>/dev/null) == PONG ]]; }
loaded() {
  [[ $(cli "$1" info persistence 2>/dev/null | tr -d '\r' | sed -n 's/^loading://p') == 0 ]]
}
port_logged() {  # NAME: sets PORT[NAME] from "ready to accept connections on HOST:PORT" in its log
  PORT[$1]=$(sed -n 's/.*ready to accept connections on [^ ]*:\([0-9][0-9]*\).*/\1/p' \
    "$WORK/$1.log" | head -n1)
  [[ -n ${PORT[$1]} ]]
}

# start_cairn NAME FLAGS...: a cairn-server on an ephemeral port with a fresh data dir
# $WORK/NAME-data, log $WORK/NAME.log, flags FLAGS then CAIRN_ARGS; waits for CAIRN_READY
start_cairn() {
  local name=$1
  shift
  rm -rf "$WORK/$name-data"
  mkdir -p "$WORK/$name-data"
  : >"$WORK/$name.log"  # exists before the background job opens it: the port poll reads it at once
  # shellcheck disable=SC2086  # CAIRN_ARGS is a list of flags
  "$CAIRN_SERVER" --port 0 --bind 127.0.0.1 --data-dir "$WORK/$name-data" "$@" ${CAIRN_ARGS:-} \
    >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  KIND[$name]=cairn-server
  wait_ready "$name" "logged no port" port_logged "$name"
  case $CAIRN_READY in
    loading) wait_ready "$name" "did not finish loading" loaded "$name" ;;
    *) wait_ready "$name" "did not answer PING" answers_ping "$name" ;;
  esac
}

# start_redis NAME FLAGS...: a redis-server without persistence on a free port, dir $WORK/NAME-data
start_redis() {
  local name=$1
  shift
  mkdir -p "$WORK/$name-data"
  PORT[$name]=$(free_port)
  "$REDIS_SERVER" --port "${PORT[$name]}" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$WORK/$name-data" --daemonize no --logfile "" "$@" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  KIND[$name]=redis-server
  wait_ready "$name" "did not answer PING" answers_ping "$name"
}

# run_bench NAME TEST PIPELINE N [FLAGS...] -> "rps p99_ms" (from redis-benchmark --csv)
run_bench() {
  local out
  out=$("$BENCH" -h 127.0.0.1 -p "${PORT[$1]}" -t "$2" -P "$3" -n "$4" -c "$CLIENTS" \
    -d "$DATA_SIZE" -r "$KEYSPACE" "${@:5}" --csv 2>/dev/null) ||
    die "redis-benchmark failed ($1 $2 -P $3)"
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
  # "p99_latency_ms",...
  echo "$out" | awk -F'","' 'NR > 1 && NF >= 7 { gsub(/"/, "", $2); print $2, $7; exit }'
}

median() {  # of the numbers on stdin, one a line
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

median_col() { awk -v c="$2" '{ print $c }' "$1" | median; }  # FILE COLUMN

check_alive() {  # NAME...: dies (with the log) if one of them has exited
  local name
  for name in "$@"; do
    kill -0 "${PID[$name]}" 2>/dev/null ||
      { cat "$WORK/$name.log" >&2; die "$(label "$name") died"; }
  done
}
