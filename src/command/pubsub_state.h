// The pub/sub state of a connection, as other command files and the dispatcher need it.
#pragma once

#include "cairn/command/command_table.h"
#include "cairn/command/context.h"

namespace cairn {

// Dispatcher gate (Redis 7.0 processCommand): a RESP2 connection in pub/sub mode may only run
// (P)SUBSCRIBE, (P)UNSUBSCRIBE, PING, QUIT and RESET. Returns false after replying
// "ERR Can't execute '<cmd>': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are
// allowed in this context".
bool PubSubContextAllows(CommandContext& ctx, const CommandSpec& spec);

// RESET: drops every channel and pattern subscription and leaves MONITOR mode (no replies).
void LeavePubSubAndMonitor(CommandContext& ctx);

}  // namespace cairn
