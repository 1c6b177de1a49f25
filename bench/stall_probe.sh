#!/usr/bin/env bash
# stall_probe.sh — how long one client waits while the server does a big administrative job:
# a C client (redis-benchmark -c 1, GETs of random keys, one at a time) runs against a cairn-server
# holding KEYS keys, first with nothing else going on, then during a BGSAVE, then during three
# CONFIG SET eviction-policy swaps. Prints p50 / p99 / p99.9 / max of its latencies for each.
# (persistence_bench.sh part 3 measures the BGSAVE case with a Python probe, for the issue.)
#
# Build Release first. Knobs (environment): CAIRN_SERVER (default <repo>/build/cairn-server),
# CAIRN_ARGS, KEYS (default 1000000), REQUESTS per probe (default 20000), DATA_SIZE (64).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$ROOT/bench/lib.sh"
CAIRN_SERVER=${CAIRN_SERVER:-$ROOT/build/cairn-server}
CAIRN_ARGS=${CAIRN_ARGS:-}
BENCH=${REDIS_BENCHMARK:-redis-benchmark}
KEYS=${KEYS:-1000000}
REQUESTS=${REQUESTS:-20000}
DATA_SIZE=${DATA_SIZE:-64}

bench_init stall_probe cairn-stall-probe
[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build it, or set CAIRN_SERVER)"
need_cmd "$BENCH" redis-tools
need_cmd redis-cli redis-tools

# percentiles FILE: p50 p99 p99.9 max from redis-benchmark's "Latency by percentile" lines
percentiles() {
  tr '\r' '\n' <"$1" | awk '/^ *[0-9.]+% <= / {
      p = $1 + 0; v = $3
      if (!a && p >= 50) a = v; if (!b && p >= 99) b = v; if (!c && p >= 99.9) c = v; m = v }
    END { printf "p50 %s  p99 %s  p99.9 %s  max %s ms\n", a, b, c, m }'
}

# probe NAME JOB...: runs the GET client, and JOB (a shell command) 0.2 s after it starts
probe() {
  local name=$1 out="$WORK/$1.out"
  shift
  "$BENCH" -h 127.0.0.1 -p "${PORT[srv]}" -c 1 -n "$REQUESTS" -r "$KEYS" -t get >"$out" 2>&1 &
  PID["probe"]=$!
  sleep 0.2
  "$@"
  wait "${PID["probe"]}" || die "redis-benchmark failed ($name)"
  unset "PID[probe]"
  printf '%-28s %s\n' "$name" "$(percentiles "$out")"
}

bgsave() {
  local t0
  t0=$(date +%s%N)
  cli srv bgsave >/dev/null
  while cli srv info persistence | grep -q 'rdb_bgsave_in_progress:1'; do sleep 0.1; done
  echo "  BGSAVE took $((($(date +%s%N) - t0) / 1000000)) ms" >&2
}

swaps() {
  local p t0
  for p in adaptive s3fifo lru; do
    t0=$(date +%s%N)
    [[ $(cli srv config set eviction-policy "$p") == OK ]] || die "CONFIG SET eviction-policy $p"
    echo "  swap to $p took $((($(date +%s%N) - t0) / 1000000)) ms" >&2
  done
}

start_cairn srv --eviction-policy lru --write-policy none
awk -v n="$KEYS" -v size="$DATA_SIZE" 'BEGIN {
    pad = sprintf("%0" size "d", 0)
    for (i = 0; i < n; i++) {
      k = "key:" i
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, size, pad
    }
  }' | cli srv --pipe >"$WORK/fill.log" 2>&1
grep -q "errors: 0" "$WORK/fill.log" || die "errors while filling: $(tail -n2 "$WORK/fill.log")"
echo "cairn: $CAIRN_SERVER $CAIRN_ARGS, $KEYS keys of $DATA_SIZE B, $REQUESTS GETs per probe"
probe "idle" true
probe "during BGSAVE" bgsave
probe "during 3 policy swaps" swaps
