// Cluster mode's dispatcher gate: a command whose keys (the command table's key positions) hash
// to a slot this node does not own answers "-MOVED <slot> <host>:<port>"; keys in different
// slots answer "-CROSSSLOT Keys in request don't hash to the same slot" (Redis's
// getNodeByQuery, CROSSSLOT checked first). While a slot is being moved (CLUSTER SETSLOT
// MIGRATING / IMPORTING) the decision also depends on which keys exist here: "-ASK <slot>
// <host>:<port>" on the source for a key already moved (or never there), "-TRYAGAIN Multiple
// keys request during rehashing of slot" for a multi-key command that finds only some, and the
// target serves such a slot only after ASKING (cluster::RouteMoving). Private to the command
// module; MULTI/EXEC and scripts run their queued commands' keys through the same function.
//
// The gate runs before the command takes the keyspace gate (exclusive_gate.h) shared; MIGRATE
// and CLUSTER SETSLOT run with it exclusive. So a command routed under a map, or a key's
// presence, that changed before it ran is routed again once it holds the gate
// (ClusterRouteStale): without that, a write routed to the source just before MIGRATE moved
// its key would recreate the key there after the move.
#pragma once

#include "cairn/command/command_table.h"
#include "cairn/command/context.h"

namespace cairn {

// Requires ctx.cluster. Returns true when the command may run here; otherwise replies the error.
// For a transaction or a script, pass `slot` (start at -1) through every command: it takes the
// first key's slot, and a later key elsewhere is -CROSSSLOT (Redis's EXEC does the same).
bool ClusterAllows(CommandContext& ctx, const CommandSpec& spec, Args args, int* slot = nullptr);

// True when the last ClusterAllows on this thread let a command through under a map that has
// changed since, or for a slot being moved: the caller, now holding the keyspace gate, asks
// ClusterAllows again.
bool ClusterRouteStale(const CommandContext& ctx);

}  // namespace cairn
