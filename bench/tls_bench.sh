#!/usr/bin/env bash
# bench/tls_bench.sh — cairn-server against Debian's redis-server 7.0, both with TLS on:
# `redis-benchmark --tls` throughput at pipeline 1 and 16 (SET, GET), and the handshake rate
# (new TLS connections per second: redis-benchmark -k 0 opens a connection for every request).
#
#   bench/tls_bench.sh                       # about 2 minutes with the defaults
#   ROUNDS=5 CAIRN_ARGS="--io-threads 2" bench/tls_bench.sh
#
# Certificates (a CA and a server certificate, EC P-256 as most deployments now use) are made in
# a temp dir with the openssl CLI; clients present none (tls-auth-clients no on both servers), so
# the handshake is the server-authenticated one that most clients do. Both servers listen on TLS
# only (port 0 with tls-port). Runs alternate cairn, redis, cairn, redis ... ROUNDS times; the
# table shows the medians. Knobs as compare_redis.sh (CAIRN_SERVER, CAIRN_ARGS, REDIS_SERVER,
# REDIS_ARGS, TESTS, PIPELINES, CLIENTS, DATA_SIZE, KEYSPACE, ROUNDS, REQUESTS) plus
# HANDSHAKES (requests, hence connections, per handshake run; 20000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
bench_knobs
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_ARGS=${REDIS_ARGS:-}
TESTS=${TESTS:-"set get"}
REQUESTS=${REQUESTS:-200000}
HANDSHAKES=${HANDSHAKES:-20000}

bench_init tls_bench cairn-tls-bench
[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it, or set CAIRN_SERVER)"
need_cmd "$REDIS_SERVER" redis-server
need_cmd "$BENCH" redis-tools
need_cmd openssl openssl

certs() {
  local o=(-pkeyopt ec_paramgen_curve:prime256v1)
  cd "$WORK"
  openssl genpkey -algorithm EC "${o[@]}" -out ca.key
  openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj /CN=bench-ca
  openssl genpkey -algorithm EC "${o[@]}" -out server.key
  openssl req -new -key server.key -out server.csr -subj /CN=127.0.0.1
  echo "subjectAltName=IP:127.0.0.1" >san.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
    -days 2 -extfile san.ext
  cd - >/dev/null
} 2>/dev/null
certs
TLS_FLAGS=(--tls-cert-file "$WORK/server.crt" --tls-key-file "$WORK/server.key"
  --tls-auth-clients no)
cli() { redis-cli -h 127.0.0.1 -p "${PORT[$1]}" --tls --cacert "$WORK/ca.crt" "${@:2}"; }

for name in cairn redis; do
  mkdir -p "$WORK/$name-data"
  PORT[$name]=$(free_port)
  if [[ $name == cairn ]]; then
    # shellcheck disable=SC2086  # CAIRN_ARGS is a list of flags
    "$CAIRN_SERVER" --port 0 --tls-port "${PORT[$name]}" --bind 127.0.0.1 \
      --data-dir "$WORK/$name-data" "${TLS_FLAGS[@]}" ${CAIRN_ARGS:-} >"$WORK/$name.log" 2>&1 &
    KIND[$name]=cairn-server
  else
    # shellcheck disable=SC2086  # REDIS_ARGS is a list of flags
    "$REDIS_SERVER" --port 0 --tls-port "${PORT[$name]}" --bind 127.0.0.1 --save '' \
      --appendonly no --dir "$WORK/$name-data" --daemonize no --logfile "" "${TLS_FLAGS[@]}" \
      $REDIS_ARGS >"$WORK/$name.log" 2>&1 &
    KIND[$name]=redis-server
  fi
  PID[$name]=$!
  wait_ready "$name" "did not answer PING over TLS" answers_ping "$name"
done

TLS_BENCH=(--tls --cacert "$WORK/ca.crt")
echo "cairn: $CAIRN_SERVER (tls port ${PORT[cairn]}) $CAIRN_ARGS"
echo "redis: $("$REDIS_SERVER" --version | cut -d' ' -f1-3) (tls port ${PORT[redis]}) $REDIS_ARGS"
echo "clients=$CLIENTS data=${DATA_SIZE}B keyspace=$KEYSPACE rounds=$ROUNDS requests=$REQUESTS" \
  "handshakes=$HANDSHAKES cores=$(nproc)"

declare -a ROWS=()
row() {  # LABEL PIPELINE TEST N FLAGS...: ROUNDS alternating runs, then a table row
  local label=$1 pipeline=$2 test=$3 n=$4 server round result
  shift 4
  : >"$WORK/cairn.runs"
  : >"$WORK/redis.runs"
  for round in $(seq "$ROUNDS"); do
    for server in cairn redis; do
      result=$(run_bench "$server" "$test" "$pipeline" "$n" "${TLS_BENCH[@]}" "$@")
      [[ -n $result ]] || die "no result from redis-benchmark ($server $label)"
      echo "$result" >>"$WORK/$server.runs"
      # shellcheck disable=SC2086  # result is "rps p99": two printf arguments
      printf '  %-5s %-10s P%-3s round %d/%d: %s ops/s, p99 %s ms\n' "$server" "$label" \
        "$pipeline" "$round" "$ROUNDS" ${result} >&2
    done
  done
  local c r
  c=$(median_col "$WORK/cairn.runs" 1)
  r=$(median_col "$WORK/redis.runs" 1)
  ROWS+=("$(printf '%-12s %8s %14.0f %14.0f %12s %14s %14s' "$label" "$pipeline" "$c" "$r" \
    "$(awk -v a="$c" -v b="$r" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
    "$(median_col "$WORK/cairn.runs" 2)" "$(median_col "$WORK/redis.runs" 2)")")
}

for pipeline in $PIPELINES; do
  for test in $TESTS; do
    row "$(echo "$test" | tr '[:lower:]' '[:upper:]')" "$pipeline" "$test" \
      $((REQUESTS * pipeline / 4 > REQUESTS ? REQUESTS * pipeline / 4 : REQUESTS))
  done
done
# Handshakes: one new connection (full handshake, no resumption) per request.
row "HANDSHAKE/s" 1 ping "$HANDSHAKES" -k 0
check_alive cairn redis

echo
printf '%-12s %8s %14s %14s %12s %14s %14s\n' test pipeline "cairn ops/s" "redis ops/s" \
  "cairn/redis" "cairn p99 ms" "redis p99 ms"
printf '%s\n' "${ROWS[@]}"
