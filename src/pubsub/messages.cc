#include "cairn/pubsub/messages.h"

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

void AppendPubSubMessage(ReplyBuilder& out, MessageKind kind, std::string_view pattern,
                         std::string_view channel, std::string_view message) {
  if (kind == MessageKind::kMonitor) {
    out.SimpleString(message);
    return;
  }
  if (kind == MessageKind::kMessage) {
    out.PushHeader(3);
    out.Bulk("message");
  } else {
    out.PushHeader(4);
    out.Bulk("pmessage");
    out.Bulk(pattern);
  }
  out.Bulk(channel);
  out.Bulk(message);
}

size_t PubSubMessageSize(MessageKind kind, std::string_view pattern, std::string_view channel,
                         std::string_view message) {
  if (kind == MessageKind::kMonitor) return 1 + message.size() + 2;  // +line\r\n
  size_t n = 4 + BulkSize(channel) + BulkSize(message);              // "*3\r\n" or ">3\r\n"
  n += kind == MessageKind::kMessage ? BulkSize("message")
                                     : BulkSize("pmessage") + BulkSize(pattern);
  return n;
}

bool AppendTrackingMessage(ReplyBuilder& out, const TrackingMessage& m, bool in_pubsub) {
  using Kind = TrackingMessage::Kind;
  if (out.resp3()) {
    out.PushHeader(2);
    if (m.kind == Kind::kRedirectBroken) {
      out.Bulk("tracking-redir-broken");
      out.Integer(static_cast<int64_t>(m.redirect_id));
      return true;
    }
    out.Bulk("invalidate");
  } else {
    if (m.kind == Kind::kRedirectBroken || !m.redirected || !in_pubsub) return false;
    out.ArrayHeader(3);
    out.Bulk("message");
    out.Bulk("__redis__:invalidate");
  }
  if (m.kind == Kind::kAll) {
    out.Null();
    return true;
  }
  out.ArrayHeader(m.keys.size());
  for (std::string_view key : m.keys) out.Bulk(key);
  return true;
}

void AppendSubscriptionReply(ReplyBuilder& out, std::string_view kind,
                             std::optional<std::string_view> channel, int64_t count) {
  out.PushHeader(3);
  out.Bulk(kind);
  if (channel) {
    out.Bulk(*channel);
  } else {
    out.Null();
  }
  out.Integer(count);
  out.EndPush();
}

}  // namespace cairn
