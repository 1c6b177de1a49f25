// Keyspace notifications (Redis's notify-keyspace-events) and Cairn's own event channel.
//
// The notifier turns lifecycle events into pub/sub messages through the PubSubHub:
//   __keyspace@0__:<key>   -> <event>     (class K)
//   __keyevent@0__:<event> -> <key>       (class E)
// Sources: the EventBus (set, del, rename_from/rename_to, expired, evicted, keymiss: the events
// the cache itself raises) and Notify() for command-specific events that only the command layer
// knows (incrby, append, expire, persist ...). With Options::writes_from_bus = false the bus
// supplies only expired / evicted / keymiss and the command layer names every write itself,
// which is how Redis behaves exactly (INCR publishes "incrby", not "set").
//
// Cairn's own events (flush, flush_error, capacity_warning, policy_changed, and snapshot through
// NotifyCairn) go to the channel __cairn__:events as one text line "<event> <key> <detail>"
// ("-" stands for an empty key or detail).
//
// Cost when off: with empty flags the notifier holds no bus subscription for per-key events,
// so EventBus::Wants() is false for them and the cache builds no event at all; Notify() is one
// relaxed load. Cairn events subscribe only to the rare cache-wide types (never set/hit/miss).
//
// Threads: SetFlags from any thread (CONFIG SET); the bus handler runs on the bus thread;
// Notify/NotifyCairn from any thread. Lock order: notifier mutex (SetFlags only) -> event bus.
// The bus must outlive the notifier; the hub must outlive it too.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/events/event_bus.h"

namespace cairn {

class PubSubHub;

// Notification classes, with Redis's bit values (server.h NOTIFY_*).
enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1u << 0,  // K
  kNotifyKeyevent = 1u << 1,  // E
  kNotifyGeneric = 1u << 2,   // g
  kNotifyString = 1u << 3,    // $
  kNotifyList = 1u << 4,      // l
  kNotifySet = 1u << 5,       // s
  kNotifyHash = 1u << 6,      // h
  kNotifyZset = 1u << 7,      // z
  kNotifyExpired = 1u << 8,   // x
  kNotifyEvicted = 1u << 9,   // e
  kNotifyStream = 1u << 10,   // t
  kNotifyKeyMiss = 1u << 11,  // m (not part of A)
  kNotifyLoaded = 1u << 12,   // module-only in Redis; no character
  kNotifyModule = 1u << 13,   // d
  kNotifyNew = 1u << 14,      // n (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// keyspaceEventsStringToFlags: nullopt for a character outside "Ag$lshzxeKEtmdn".
std::optional<uint32_t> ParseNotifyFlags(std::string_view classes);
// keyspaceEventsFlagsToString (CONFIG GET): "A" stands for all of kNotifyAll, then K, E, m.
std::string NotifyFlagsToString(uint32_t flags);
// The CONFIG SET error detail Redis gives for a bad class string.
inline constexpr std::string_view kNotifyFlagsError =
    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

inline constexpr std::string_view kCairnEventsChannel = "__cairn__:events";

class KeyspaceNotifier {
 public:
  struct Options {
    bool writes_from_bus = true;  // bus kSet/kDelete -> set / del / rename_from / rename_to
    bool cairn_events = true;     // publish cache-wide events on __cairn__:events
    int db = 0;
  };

  KeyspaceNotifier(EventBus& bus, PubSubHub& hub);
  KeyspaceNotifier(EventBus& bus, PubSubHub& hub, Options options);
  ~KeyspaceNotifier();  // unsubscribes and waits for an in-flight bus batch
  KeyspaceNotifier(const KeyspaceNotifier&) = delete;
  KeyspaceNotifier& operator=(const KeyspaceNotifier&) = delete;

  // Applies notify-keyspace-events; (re)subscribes to the bus for exactly what the flags need.
  void SetFlags(uint32_t flags);
  uint32_t flags() const { return flags_.load(std::memory_order_relaxed); }
  // True when an event of `type_class` would be published (lets callers skip work).
  bool Wants(uint32_t type_class) const {
    uint32_t f = flags_.load(std::memory_order_relaxed);
    return (f & type_class) != 0 && (f & (kNotifyKeyspace | kNotifyKeyevent)) != 0;
  }

  // notifyKeyspaceEvent(type, event, key, db): publishes on the keyspace and/or keyevent
  // channel when `type_class` is enabled.
  void Notify(uint32_t type_class, std::string_view event, std::string_view key);
  // One line on __cairn__:events (e.g. NotifyCairn("snapshot", "", "saved 1200 keys in 35 ms")).
  void NotifyCairn(std::string_view event, std::string_view key, std::string_view detail);

  // The bus mask the current settings subscribe to (tests, INFO).
  EventMask bus_mask() const { return bus_mask_.load(std::memory_order_relaxed); }

 private:
  void OnEvent(const Event& e);
  EventMask MaskFor(uint32_t flags) const;

  EventBus& bus_;
  PubSubHub& hub_;
  const Options options_;
  const std::string keyspace_prefix_;  // "__keyspace@<db>__:"
  const std::string keyevent_prefix_;  // "__keyevent@<db>__:"
  std::atomic<uint32_t> flags_{0};
  std::atomic<EventMask> bus_mask_{0};
  std::mutex mu_;  // serialises SetFlags (subscription changes)
  EventBus::SubscriptionId sub_id_ = 0;
};

}  // namespace cairn
