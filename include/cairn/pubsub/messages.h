// The frames of pub/sub and MONITOR, written through the connection's ReplyBuilder: arrays in
// RESP2, push frames (>) in RESP3, as Redis 7.0 sends them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "cairn/protocol/reply_builder.h"
#include "cairn/pubsub/pubsub_hub.h"

namespace cairn {

// message <channel> <message>, or pmessage <pattern> <channel> <message> (a 3- or 4-element
// array in RESP2, a push in RESP3); for kMonitor, `message` as a simple string (the MONITOR line,
// the same in both protocols).
void AppendPubSubMessage(ReplyBuilder& out, MessageKind kind, std::string_view pattern,
                         std::string_view channel, std::string_view message);

// Size in bytes of what AppendPubSubMessage would append (for limit checks before appending);
// the same in both protocols (a push header is as long as an array header).
size_t PubSubMessageSize(MessageKind kind, std::string_view pattern, std::string_view channel,
                         std::string_view message);

// <kind> <channel> <count> (an array in RESP2, a push in RESP3), where kind is subscribe,
// unsubscribe, psubscribe or punsubscribe. A missing channel is a null (UNSUBSCRIBE while
// subscribed to nothing).
void AppendSubscriptionReply(ReplyBuilder& out, std::string_view kind,
                             std::optional<std::string_view> channel, int64_t count);

// A tracking invalidation (Redis 7.0 sendTrackingMessage) for a connection of the builder's
// protocol, `in_pubsub` saying whether it is in pub/sub mode:
//   RESP3                       >2 invalidate [keys...] | >2 invalidate _ | >2
//                               tracking-redir-broken :<id>
//   RESP2, redirected, pub/sub  *3 message __redis__:invalidate [keys...] (or a null)
//   RESP2 otherwise             nothing (false): RESP2 has no pushes on a normal connection
// Redis writes the FLUSHALL null in the tracking connection's protocol even to a RESP2 target
// (a "_" on a RESP2 stream); Cairn writes the target's null ($-1).
bool AppendTrackingMessage(ReplyBuilder& out, const TrackingMessage& m, bool in_pubsub);

}  // namespace cairn
