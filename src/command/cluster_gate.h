// Cluster mode's dispatcher gate: a command whose keys (the command table's key positions) hash
// to a slot this node does not own answers "-MOVED <slot> <host>:<port>"; keys in different
// slots answer "-CROSSSLOT Keys in request don't hash to the same slot" (Redis's
// getNodeByQuery, CROSSSLOT checked first). Private to the command module; MULTI/EXEC and
// scripts run their queued commands' keys through the same function.
#pragma once

#include "cairn/command/command_table.h"
#include "cairn/command/context.h"

namespace cairn {

// Requires ctx.cluster. Returns true when the command may run here; otherwise replies the error.
// For a transaction or a script, pass `slot` (start at -1) through every command: it takes the
// first key's slot, and a later key elsewhere is -CROSSSLOT (Redis's EXEC does the same).
bool ClusterAllows(CommandContext& ctx, const CommandSpec& spec, Args args, int* slot = nullptr);

}  // namespace cairn
