#!/usr/bin/env bash
# Moves hash slots, with their keys, from one Cairn node to another while clients keep using
# them (Redis Cluster's resharding steps, as redis-cli --cluster reshard takes them):
#
#   scripts/cluster-move-slots.sh SOURCE TARGET FIRST[-LAST] [BATCH]
#
# SOURCE and TARGET are HOST:PORT of the nodes; FIRST-LAST the slots (SOURCE must own them);
# BATCH the keys per MIGRATE (default 100). Every node the source's CLUSTER NODES lists learns
# the new owner. The password, if any, comes from REDISCLI_AUTH. Steps:
#   1. CLUSTER SETSLOT <slot> IMPORTING <source-id> on the target, MIGRATING <target-id> on the
#      source: the source now answers -ASK for a key of these slots it no longer has.
#   2. Per slot: CLUSTER GETKEYSINSLOT, then MIGRATE ... REPLACE KEYS ... until none is left
#      (the source deletes a key only once the target has answered +OK for it).
#   3. CLUSTER SETSLOT <slot> NODE <target-id> on the target, then the source (which refuses
#      while it still holds a key of the slot: that slot goes back to step 2), then the others.
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
# Sends one command per line of stdin to a node; fails unless every reply is OK.
all_ok() {
  local node="$1" replies
  replies="$(cli "$node")" || die "$node: cannot be reached"
  if grep -qv '^OK$' <<<"$replies"; then
    die "$node: $(grep -v '^OK$' <<<"$replies" | head -1)"
  fi
}

source_id="$(cli "$source_node" CLUSTER MYID)" || die "$source_node: cannot be reached"
target_id="$(cli "$target_node" CLUSTER MYID)" || die "$target_node: cannot be reached"
[[ "$source_id" != "$target_id" ]] || die "the source and the target are the same node"
# The other nodes: CLUSTER NODES' address column, "host:port@bus".
mapfile -t others < <(cli "$source_node" CLUSTER NODES |
  awk -v s="$source_id" -v t="$target_id" '$1 != s && $1 != t { sub(/@.*/, "", $2); print $2 }')
auth=()
[[ -n "${REDISCLI_AUTH:-}" ]] && auth=(AUTH "$REDISCLI_AUTH")

slots() { seq "$first" "$last"; }

# 1. Open the move.
slots | sed "s/.*/CLUSTER SETSLOT & IMPORTING $source_id/" | all_ok "$target_node" || exit 1
slots | sed "s/.*/CLUSTER SETSLOT & MIGRATING $target_id/" | all_ok "$source_node" || exit 1

# 2. Move one slot's keys; a batch shorter than BATCH was the last one (step 3 checks).
move_keys() {
  local slot="$1" reply
  local -a keys
  while :; do
    mapfile -t keys < <(cli "$source_node" --raw CLUSTER GETKEYSINSLOT "$slot" "$batch")
    ((${#keys[@]} == 0)) && return 0
    reply="$(cli "$source_node" MIGRATE "${target_node%:*}" "${target_node##*:}" "" 0 \
      "$timeout_ms" REPLACE "${auth[@]}" KEYS "${keys[@]}")"
    [[ "$reply" == "OK" || "$reply" == "NOKEY" ]] || die "slot $slot: MIGRATE: $reply"
    ((${#keys[@]} < batch)) && return 0
  done
}
moved=0
for slot in $(slots); do
  move_keys "$slot"
  moved=$((moved + 1))
done

# 3. Close it: the target first (it owns the slots from now on), then the source, then the rest.
slots | sed "s/.*/CLUSTER SETSLOT & NODE $target_id/" | all_ok "$target_node" || exit 1
for attempt in 1 2 3 4 5; do
  mapfile -t replies < <(slots | sed "s/.*/CLUSTER SETSLOT & NODE $target_id/" | cli "$source_node")
  left=()
  i=0
  for slot in $(slots); do
    [[ "${replies[$i]:-}" == "OK" ]] || left+=("$slot")
    i=$((i + 1))
  done
  ((${#left[@]} == 0)) && break
  # A key written to the source just before its slot closed: move it and try again.
  for slot in "${left[@]}"; do move_keys "$slot"; done
done
((${#left[@]} == 0)) || die "the source still holds keys of slots ${left[*]}"
status=0
for node in "${others[@]}"; do
  (slots | sed "s/.*/CLUSTER SETSLOT & NODE $target_id/" | all_ok "$node") || status=1
done
echo "moved slots $first-$last ($moved) from $source_node to $target_node"
exit "$status"
