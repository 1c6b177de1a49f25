// Keyspace notifications from the command layer (Redis's notifyKeyspaceEvent calls in the
// commands): each successful write names its own event ("set", "incrby", "expire", "del",
// "rename_from" ...), published synchronously before the reply, so a subscriber sees events in
// command order. Expired / evicted / keymiss events come from the cache's event bus instead.
//
// Cost while notify-keyspace-events is empty: a virtual call and one relaxed load. Cairn's own
// events (__cairn__:events) cost one relaxed load while nobody is subscribed to anything.
#pragma once

#include <cstdint>
#include <string_view>

#include "cairn/command/context.h"
#include "cairn/command/observability.h"
#include "cairn/observability/keyspace_notifier.h"

namespace cairn {

inline void NotifyKeyspaceEvent(CommandContext& ctx, uint32_t type_class, std::string_view event,
                                std::string_view key) {
  Observability* obs = ctx.server.observability();
  if (obs == nullptr || obs->notifier == nullptr) return;
  obs->notifier->Notify(type_class, event, key);
}

// One line on __cairn__:events ("snapshot dump saved 1200 keys"), for what only a command knows.
inline void NotifyCairnEvent(CommandContext& ctx, std::string_view event, std::string_view key,
                             std::string_view detail) {
  Observability* obs = ctx.server.observability();
  if (obs == nullptr || obs->notifier == nullptr) return;
  obs->notifier->NotifyCairn(event, key, detail);
}

}  // namespace cairn
