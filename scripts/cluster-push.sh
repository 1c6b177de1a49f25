#!/usr/bin/env bash
# Pushes a cluster map (the cluster-config-file format, config/cairn.conf's CLUSTER section) to
# Cairn nodes with CAIRN.CLUSTER SETCONFIG: the control plane of a static cluster.
#
#   scripts/cluster-push.sh MAP [HOST:PORT ...]
#
# With no HOST:PORT the nodes are the ones the map lists. The password, if any, comes from
# REDISCLI_AUTH (redis-cli reads it). Every node is tried; the exit status is 1 when any node
# refused the map or could not be reached (each such node keeps its previous map), 0 otherwise.
# Push the same map to every node, raising its "epoch" line on each change: a node refuses a map
# older than the one it has, so a stale push cannot undo a newer one.
set -uo pipefail

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
map="$1"
shift
if [[ ! -r "$map" ]]; then
  echo "cluster-push: cannot read '$map'" >&2
  exit 2
fi
nodes=("$@")
if [[ ${#nodes[@]} -eq 0 ]]; then
  # "node <id> <host> <port> ..." lines, comments removed.
  mapfile -t nodes < <(sed 's/#.*//' "$map" | awk '$1 == "node" && NF >= 4 { print $3 ":" $4 }')
fi
if [[ ${#nodes[@]} -eq 0 ]]; then
  echo "cluster-push: no node to push to" >&2
  exit 2
fi

status=0
for node in "${nodes[@]}"; do
  host="${node%:*}"
  port="${node##*:}"
  reply="$(redis-cli --no-raw -h "$host" -p "$port" -x CAIRN.CLUSTER SETCONFIG <"$map" 2>&1)"
  if [[ "$reply" == "OK" ]]; then
    echo "$node: OK"
  else
    echo "$node: $reply" >&2
    status=1
  fi
done
exit "$status"
