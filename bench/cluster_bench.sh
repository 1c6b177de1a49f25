#!/usr/bin/env bash
# cluster_bench.sh — throughput of several Cairn nodes in cluster mode behind a cluster client
# (redis-benchmark --cluster, which routes each key to its slot's owner) against one node.
#
# Three setups, each measured ROUNDS times per test and pipeline depth (medians reported):
#   one          1 node, cluster-enabled no, plain redis-benchmark (the baseline)
#   one-cluster  1 node, cluster-enabled yes (owns every slot): the cost of the cluster gate
#   N-cluster    NODES nodes, each owning an equal share of the slots
# The nodes start in single-node cluster mode and are then given the N-node map with
# scripts/cluster-push.sh, as an operator would. Every knob is an environment variable:
#   CAIRN_SERVER     cairn binary (default: <repo>/build/cairn-server)
#   CAIRN_ARGS       extra cairn flags for every node, e.g. "--io-threads 2" (default: none)
#   NODES            nodes of the cluster setup (default: 3)
#   TESTS            redis-benchmark tests (default: "set get")
#   PIPELINES        pipeline depths (default: "1 16")
#   CLIENTS          parallel connections (default: 50)
#   DATA_SIZE        value size in bytes, -d (default: 64)
#   KEYSPACE         random key space, -r (default: 100000)
#   ROUNDS           rounds per test, medians are reported (default: 3)
#   REQUESTS         -n per run (default: 200000)
#   BENCH_THREADS    redis-benchmark --threads (default: 2)
# On a small machine the client and the nodes share the cores: more nodes than cores measure the
# routing, not the scaling. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$ROOT/bench/lib.sh"
bench_knobs
NODES=${NODES:-3}
TESTS=${TESTS:-"set get"}
REQUESTS=${REQUESTS:-200000}
BENCH_THREADS=${BENCH_THREADS:-2}
need_cmd "$BENCH" redis-tools
need_cmd redis-cli redis-tools
[[ -x $CAIRN_SERVER ]] || die "no cairn-server at $CAIRN_SERVER (build first)"
[[ $NODES =~ ^[1-9][0-9]*$ ]] || die "NODES must be a positive integer"
bench_init cluster_bench cairn-cluster-bench

# bench_rps NAME TEST PIPELINE [FLAGS...] -> "rps p99_ms". run_bench's parser reads the line after
# the CSV header; --cluster prints the node list first, so this one picks the data row by its
# upper-case test name.
bench_rps() {
  local out
  out=$("$BENCH" -h 127.0.0.1 -p "${PORT[$1]}" -t "$2" -P "$3" -n "$REQUESTS" -c "$CLIENTS" \
    -d "$DATA_SIZE" -r "$KEYSPACE" --threads "$BENCH_THREADS" "${@:4}" --csv 2>/dev/null) ||
    die "redis-benchmark failed ($1 $2 -P $3)"
  echo "$out" | awk -F'","' '/^"[A-Z]/ && NF >= 7 { gsub(/"/, "", $2); print $2, $7; exit }'
}

# measure SETUP NAME [--cluster]: appends "setup test pipeline rps p99" lines to $WORK/results
measure() {
  local setup=$1 name=$2 test pipeline round
  shift 2
  for test in $TESTS; do
    for pipeline in $PIPELINES; do
      for round in $(seq "$ROUNDS"); do
        echo "$setup $test $pipeline $(bench_rps "$name" "$test" "$pipeline" "$@")" \
          >>"$WORK/results"
      done
    done
  done
}

: >"$WORK/results"
start_cairn one
measure one one
stop_named one

# redis-benchmark --cluster wants two nodes or more; one node owning every slot never redirects,
# so the plain client measures it.
start_cairn solo --cluster-enabled yes --cluster-node-id solo
measure one-cluster solo
stop_named solo

map="$WORK/cluster.map"
echo "epoch 1" >"$map"
for i in $(seq "$NODES"); do
  start_cairn "n$i" --cluster-enabled yes --cluster-node-id "n$i"
  first=$(( (i - 1) * 16384 / NODES ))
  last=$(( i * 16384 / NODES - 1 ))
  echo "node n$i 127.0.0.1 ${PORT[n$i]} $first-$last" >>"$map"
done
"$ROOT/scripts/cluster-push.sh" "$map" >/dev/null || die "the map was refused"
measure "$NODES-cluster" n1 --cluster
check_alive $(for i in $(seq "$NODES"); do echo "n$i"; done)

printf "%-12s %-5s %8s %12s %8s\n" setup test pipeline rps p99_ms
for setup in one one-cluster "$NODES-cluster"; do
  for test in $TESTS; do
    for pipeline in $PIPELINES; do
      awk -v s="$setup" -v t="$test" -v p="$pipeline" '$1 == s && $2 == t && $3 == p' \
        "$WORK/results" >"$WORK/sel"
      printf "%-12s %-5s %8s %12.0f %8s\n" "$setup" "$test" "$pipeline" \
        "$(median_col "$WORK/sel" 4)" "$(median_col "$WORK/sel" 5)"
    done
  done
done
