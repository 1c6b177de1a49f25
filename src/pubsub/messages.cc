#include "cairn/pubsub/messages.h"

#include "cairn/protocol/reply_builder.h"

namespace cairn {
namespace {

size_t Digits(size_t n) {
  size_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

size_t BulkSize(std::string_view s) { return 1 + Digits(s.size()) + 2 + s.size() + 2; }

}  // namespace

void AppendPubSubMessage(std::string& out, MessageKind kind, std::string_view pattern,
                         std::string_view channel, std::string_view message) {
  if (kind == MessageKind::kRaw) {
    out.append(message);
    return;
  }
  ReplyBuilder rb(out);
  if (kind == MessageKind::kMessage) {
    rb.ArrayHeader(3);
    rb.Bulk("message");
  } else {
    rb.ArrayHeader(4);
    rb.Bulk("pmessage");
    rb.Bulk(pattern);
  }
  rb.Bulk(channel);
  rb.Bulk(message);
}

size_t PubSubMessageSize(MessageKind kind, std::string_view pattern, std::string_view channel,
                         std::string_view message) {
  if (kind == MessageKind::kRaw) return message.size();
  size_t n = 4 + BulkSize(channel) + BulkSize(message);  // "*3\r\n"
  n += kind == MessageKind::kMessage ? BulkSize("message")
                                     : BulkSize("pmessage") + BulkSize(pattern);
  return n;
}

void AppendSubscriptionReply(std::string& out, std::string_view kind,
                             std::optional<std::string_view> channel, int64_t count) {
  ReplyBuilder rb(out);
  rb.ArrayHeader(3);
  rb.Bulk(kind);
  if (channel) {
    rb.Bulk(*channel);
  } else {
    rb.Null();
  }
  rb.Integer(count);
}

}  // namespace cairn
