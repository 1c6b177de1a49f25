#!/usr/bin/env bash
# Moves hash slots, with their keys, from one Cairn node to another while clients keep using
# them (Redis Cluster's resharding steps, as redis-cli --cluster reshard takes them):
#
#   scripts/cluster-move-slots.sh SOURCE TARGET FIRST[-LAST] [BATCH]
#
# SOURCE and TARGET are HOST:PORT of the nodes; FIRST-LAST the slots (SOURCE must own them);
# BATCH the keys per MIGRATE (default 100). Every node the source's CLUSTER NODES lists learns
# the new owner. The password, if any, comes from REDISCLI_AUTH. Steps:
#   1. SETSLOT IMPORTING <source-id> on the target, MIGRATING <target-id> on the source: the
#      source now answers -ASK for a key of these slots it no longer has.
#   2. GETKEYSINRANGE, then MIGRATE ... REPLACE KEYS ... until none is left (the source deletes
#      a key only once the target answered +OK for it).
#   3. SETSLOT NODE <target-id> on the target, then the source (which refuses while it still
#      holds a key of the range: back to step 2), then the others.
# Steps 1 and 3 use CAIRN.CLUSTER SETSLOTS (CLUSTER SETSLOT for a range), step 2 CAIRN.CLUSTER
# GETKEYSINRANGE; redis-cli --cluster reshard does the same with Redis's per-slot commands.
# Exit status 0 when every slot moved, 1 otherwise (rerun it: each step may be repeated).
# The map change is saved to each node's cluster-config-file; the epoch is unchanged.
set -uo pipefail

if [[ $# -lt 3 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
source_node="$1"
target_node="$2"
range="$3"
batch="${4:-100}"
timeout_ms="${CAIRN_MIGRATE_TIMEOUT_MS:-5000}"
first="${range%-*}"
last="${range#*-}"
if ! [[ "$first" =~ ^[0-9]+$ && "$last" =~ ^[0-9]+$ && "$batch" =~ ^[0-9]+$ ]] ||
  ((first > last || last > 16383 || batch < 1)); then
  echo "cluster-move-slots: bad slot range '$range' or batch '$batch'" >&2
  exit 2
fi

cli() {  # cli HOST:PORT args...
  local node="$1"
  shift
  redis-cli --no-auth-warning -h "${node%:*}" -p "${node##*:}" "$@"
}
die() {
  echo "cluster-move-slots: $*" >&2
  exit 1
}
source_id="$(cli "$source_node" CLUSTER MYID)" || die "$source_node: cannot be reached"
target_id="$(cli "$target_node" CLUSTER MYID)" || die "$target_node: cannot be reached"
[[ "$source_id" != "$target_id" ]] || die "the source and the target are the same node"
# The other nodes: CLUSTER NODES' address column, "host:port@bus".
mapfile -t others < <(cli "$source_node" CLUSTER NODES |
  awk -v s="$source_id" -v t="$target_id" '$1 != s && $1 != t { sub(/@.*/, "", $2); print $2 }')
auth=()
[[ -n "${REDISCLI_AUTH:-}" ]] && auth=(AUTH "$REDISCLI_AUTH")

# Each step is one command per node for the whole range: CAIRN.CLUSTER SETSLOTS is CLUSTER
# SETSLOT for a range, GETKEYSINRANGE is GETKEYSINSLOT for one (one scan of the keyspace each,
# where the per-slot commands scan it once per slot).
setslots() {  # setslots NODE ACTION [ID]
  local node="$1" reply
  shift
  reply="$(cli "$node" CAIRN.CLUSTER SETSLOTS "$first" "$last" "$@")"
  [[ "$reply" == "OK" ]] || {
    echo "$node: $reply" >&2
    return 1
  }
}

# 1. Open the move.
setslots "$target_node" IMPORTING "$source_id" || exit 1
setslots "$source_node" MIGRATING "$target_id" || exit 1

# 2. Move the keys: ask the source for up to 10 x BATCH keys of the range, MIGRATE them BATCH at
# a time, until it has none left. Keys that are empty or contain a newline cannot be listed this
# way: the source then refuses step 3 and the script fails, naming their slot.
move_keys() {
  local -a keys
  local i reply
  while :; do
    mapfile -t keys < <(cli "$source_node" CAIRN.CLUSTER GETKEYSINRANGE "$first" "$last" \
      $((batch * 10)) | grep -v '^$')
    ((${#keys[@]} == 0)) && return 0
    for ((i = 0; i < ${#keys[@]}; i += batch)); do
      reply="$(cli "$source_node" MIGRATE "${target_node%:*}" "${target_node##*:}" "" 0 \
        "$timeout_ms" REPLACE "${auth[@]}" KEYS "${keys[@]:i:batch}")"
      [[ "$reply" == "OK" || "$reply" == "NOKEY" ]] || die "MIGRATE: $reply"
    done
    ((${#keys[@]} < batch * 10)) && return 0
  done
}
move_keys

# 3. Close it: the target first (it owns the slots from now on), then the source, which refuses
# while it still holds a key of the range (one written just before: move it and try again), then
# the other nodes.
setslots "$target_node" NODE "$target_id" || exit 1
for attempt in 1 2 3 4 5; do
  setslots "$source_node" NODE "$target_id" 2>/dev/null && break
  ((attempt == 5)) && { setslots "$source_node" NODE "$target_id"; exit 1; }
  move_keys
done
status=0
for node in "${others[@]}"; do
  setslots "$node" NODE "$target_id" || status=1
done
echo "moved slots $first-$last from $source_node to $target_node"
exit "$status"
