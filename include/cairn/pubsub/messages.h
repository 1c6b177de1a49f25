// The RESP2 frames of pub/sub, for the session's Subscriber::Deliver and the SUBSCRIBE family.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/pubsub/pubsub_hub.h"

namespace cairn {

// *3 $7 message <channel> <message>, or *4 $8 pmessage <pattern> <channel> <message>; for kRaw,
// `message` itself.
void AppendPubSubMessage(std::string& out, MessageKind kind, std::string_view pattern,
                         std::string_view channel, std::string_view message);

// Size in bytes of what AppendPubSubMessage would append (for limit checks before appending).
size_t PubSubMessageSize(MessageKind kind, std::string_view pattern, std::string_view channel,
                         std::string_view message);

// *3 $<n> <kind> <channel> :<count>, where kind is subscribe, unsubscribe, psubscribe or
// punsubscribe. A missing channel is a null bulk (UNSUBSCRIBE while subscribed to nothing).
void AppendSubscriptionReply(std::string& out, std::string_view kind,
                             std::optional<std::string_view> channel, int64_t count);

}  // namespace cairn
