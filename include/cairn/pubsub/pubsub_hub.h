// Pub/sub: channel and pattern subscriptions for any number of subscribers (SUBSCRIBE,
// PSUBSCRIBE, PUBLISH, PUBSUB ...), also the transport of keyspace notifications.
//
// A Subscriber is whatever receives messages; the server's session implements it by appending
// the RESP message to its output buffer and waking its writer. Publishing never waits for a
// subscriber's socket: Deliver() only appends. A subscriber whose output grows past its limit
// (client-output-buffer-limit pubsub) answers false; the hub then drops all its subscriptions
// and counts a disconnection, and the session closes the connection. So a slow subscriber
// costs at most its limit in memory and never stalls publishers or other subscribers.
//
// Threads: every method may be called from any thread. Publishers run concurrently with each
// other (shared lock); subscription changes take the lock exclusively.
// Lock order: hub lock -> the subscriber's own output lock (taken inside Deliver). The hub lock
// is otherwise a leaf: it is never taken while a shard lock or the event bus lock is held, and
// Deliver must not call back into the hub (deadlock) nor block. Callers must not hold the lock
// that their Deliver takes when calling into the hub (Remove() waits for in-flight Delivers).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

enum class MessageKind : uint8_t {
  kMessage,   // from a channel subscription: pattern is empty
  kPMessage,  // from a pattern subscription
  kMonitor,   // not from the hub: `message` is a MONITOR line (written as a simple string)
};

// An invalidation of client-side caching (CLIENT TRACKING, tracking.h) for one connection.
struct TrackingMessage {
  enum class Kind : uint8_t {
    kKeys,            // these keys changed
    kAll,             // FLUSHALL / FLUSHDB / SNAPSHOT RESTORE: everything (a null key list)
    kRedirectBroken,  // the REDIRECT target is gone (tracking-redir-broken <id>)
  };
  Kind kind = Kind::kKeys;
  std::span<const std::string_view> keys;
  // Sent to a REDIRECT target: a RESP2 target in pub/sub mode gets it as a message on
  // __redis__:invalidate; a RESP2 connection gets nothing otherwise (as in Redis).
  bool redirected = false;
  uint64_t redirect_id = 0;  // kRedirectBroken
};

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Called under the hub's shared lock, possibly from several publisher threads at once: must be
  // thread-safe, short and non-blocking (append + signal), and must not call into the hub.
  // Returns false when the subscriber can take no more (its output buffer limit is exceeded).
  virtual bool Deliver(MessageKind kind, std::string_view pattern, std::string_view channel,
                       std::string_view message) = 0;
  // The connection's protocol changed (HELLO, RESET): later deliveries are framed for it.
  virtual void SetProtocol(int /*resp*/) {}
  // A tracking invalidation (same threading rules as Deliver). Returns false like Deliver.
  virtual bool DeliverTracking(const TrackingMessage& /*message*/) { return true; }
};

struct SubscribeResult {
  bool changed = false;  // the subscription was added (or removed, for the Unsubscribe calls)
  size_t count = 0;      // the subscriber's channels + patterns afterwards (the reply's count)
};

class PubSubHub {
 public:
  PubSubHub();
  ~PubSubHub();
  PubSubHub(const PubSubHub&) = delete;
  PubSubHub& operator=(const PubSubHub&) = delete;

  SubscribeResult Subscribe(Subscriber* s, std::string_view channel);
  SubscribeResult Unsubscribe(Subscriber* s, std::string_view channel);
  SubscribeResult PSubscribe(Subscriber* s, std::string_view pattern);
  SubscribeResult PUnsubscribe(Subscriber* s, std::string_view pattern);
  // UNSUBSCRIBE / PUNSUBSCRIBE without arguments: drops every channel (pattern) of `s` and
  // returns them, in sorted order, for the per-channel replies.
  std::vector<std::string> UnsubscribeAll(Subscriber* s);
  std::vector<std::string> PUnsubscribeAll(Subscriber* s);
  // The connection is gone: drops everything of `s`. When it returns, no Deliver to `s` is
  // running and none will start, so `s` may be destroyed.
  void Remove(Subscriber* s);
  // Channels + patterns of `s` (0 when it has none: the session leaves pub/sub mode).
  size_t SubscriptionCount(const Subscriber* s) const;
  // Whether `allowed(name, is_pattern)` holds for every channel and pattern of `s` (ACL: a
  // subscriber whose user lost a channel is disconnected). `s` is only looked up, never used.
  bool AllSubscriptions(const Subscriber* s,
                        const std::function<bool(std::string_view, bool)>& allowed) const;

  // Delivers `message` to every subscriber of `channel` and of every matching pattern (a
  // subscriber with both gets it twice, like Redis). Returns the number of deliveries accepted.
  // O(subscribers of the channel + number of patterns); no allocation unless a subscriber is
  // dropped. Returns at once, without locking, while nobody is subscribed to anything.
  int64_t Publish(std::string_view channel, std::string_view message);
  bool HasSubscriptions() const { return subscriptions_.load(std::memory_order_relaxed) != 0; }

  // --- PUBSUB introspection ---
  // Active channels (with at least one subscriber), sorted; only those matching `pattern` when
  // one is given (PUBSUB CHANNELS [pattern]).
  std::vector<std::string> Channels(std::optional<std::string_view> pattern = std::nullopt) const;
  size_t NumSub(std::string_view channel) const;
  size_t NumPat() const;       // distinct patterns with at least one subscriber
  size_t NumChannels() const;  // INFO pubsub_channels
  // Subscribers dropped because Deliver returned false.
  uint64_t slow_subscriber_disconnections() const {
    return slow_disconnections_.load(std::memory_order_relaxed);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> subscriptions_{0};  // all channel + pattern subscriptions
  std::atomic<uint64_t> slow_disconnections_{0};
};

}  // namespace cairn
