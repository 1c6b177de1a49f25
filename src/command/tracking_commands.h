// CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO and the hooks other command files and the
// dispatcher use to keep client-side caches right (cairn/pubsub/tracking.h). Private to the
// command module.
#pragma once

#include <string_view>

#include "cairn/command/command_table.h"
#include "cairn/command/context.h"

namespace cairn {

// Adds tracking, caching, getredir and trackinginfo to the CLIENT container.
void AddTrackingSubcommands(CommandSpec& client, uint32_t flags);

// Dispatcher, for a connection with tracking on only: before the command runs, remembers the keys
// a read-only command reads (default / OPTIN / OPTOUT modes); after it, ends a CLIENT CACHING
// that applied to this command.
void TrackBeforeCommand(CommandContext& ctx, const CommandSpec& spec, Args args);
void TrackAfterCommand(CommandContext& ctx, const CommandSpec& spec);

// A command changed `key` in a way the cache raises no event for (EXPIRE, PERSIST ...).
void InvalidateTracked(CommandContext& ctx, std::string_view key);
// Everything changed (FLUSHALL, FLUSHDB, SNAPSHOT RESTORE).
void InvalidateAllTracked(CommandContext& ctx);
// RESET / connection close: tracking off for this connection.
void StopTracking(CommandContext& ctx);

}  // namespace cairn
