// KeyspaceNotifier: the EventBus -> PubSubHub bridge (Redis's notify.c).
//
// The flag parsing and printing follow keyspaceEventsStringToFlags / keyspaceEventsFlagsToString
// of Redis 7.0 character for character, so CONFIG SET/GET round-trips give the same strings
// ("KEA" reads back as "AKE", "KEAn" as "AKE": 'n' is printed only without 'A').
//
// Channel names are built into a thread-local buffer (Notify runs on I/O threads, OnEvent on the
// bus thread), so a notification allocates nothing once the buffer has grown; nothing is built
// while the hub has no subscriptions at all.
#include "cairn/observability/keyspace_notifier.h"

#include "cairn/pubsub/pubsub_hub.h"

namespace cairn {

std::optional<uint32_t> ParseNotifyFlags(std::string_view classes) {
  uint32_t flags = 0;
  for (char c : classes) {
    switch (c) {
      case 'A':
        flags |= kNotifyAll;
        break;
      case 'g':
        flags |= kNotifyGeneric;
        break;
      case '$':
        flags |= kNotifyString;
        break;
      case 'l':
        flags |= kNotifyList;
        break;
      case 's':
        flags |= kNotifySet;
        break;
      case 'h':
        flags |= kNotifyHash;
        break;
      case 'z':
        flags |= kNotifyZset;
        break;
      case 'x':
        flags |= kNotifyExpired;
        break;
      case 'e':
        flags |= kNotifyEvicted;
        break;
      case 'K':
        flags |= kNotifyKeyspace;
        break;
      case 'E':
        flags |= kNotifyKeyevent;
        break;
      case 't':
        flags |= kNotifyStream;
        break;
      case 'm':
        flags |= kNotifyKeyMiss;
        break;
      case 'd':
        flags |= kNotifyModule;
        break;
      case 'n':
        flags |= kNotifyNew;
        break;
      default:
        return std::nullopt;
    }
  }
  return flags;
}

std::string NotifyFlagsToString(uint32_t flags) {
  std::string res;
  if ((flags & kNotifyAll) == kNotifyAll) {
    res += 'A';
  } else {
    static constexpr std::pair<uint32_t, char> kClasses[] = {
        {kNotifyGeneric, 'g'}, {kNotifyString, '$'}, {kNotifyList, 'l'},    {kNotifySet, 's'},
        {kNotifyHash, 'h'},    {kNotifyZset, 'z'},   {kNotifyExpired, 'x'}, {kNotifyEvicted, 'e'},
        {kNotifyStream, 't'},  {kNotifyModule, 'd'}, {kNotifyNew, 'n'}};
    for (auto [bit, c] : kClasses) {
      if (flags & bit) res += c;
    }
  }
  if (flags & kNotifyKeyspace) res += 'K';
  if (flags & kNotifyKeyevent) res += 'E';
  if (flags & kNotifyKeyMiss) res += 'm';
  return res;
}

namespace {

constexpr EventMask kCairnMask =
    MaskOf(EventType::kFlush) | MaskOf(EventType::kFlushError) |
    MaskOf(EventType::kCapacityWarning) | MaskOf(EventType::kPolicyChanged) |
    MaskOf(EventType::kStoreFailing) | MaskOf(EventType::kStoreRecovered);

void AppendOneLine(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '-';
    return;
  }
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
}

std::string& ChannelBuffer() {
  thread_local std::string buf;
  return buf;
}

}  // namespace

KeyspaceNotifier::KeyspaceNotifier(EventBus& bus, PubSubHub& hub)
    : KeyspaceNotifier(bus, hub, Options{}) {}

KeyspaceNotifier::KeyspaceNotifier(EventBus& bus, PubSubHub& hub, Options options)
    : bus_(bus),
      hub_(hub),
      options_(options),
      keyspace_prefix_("__keyspace@" + std::to_string(options.db) + "__:"),
      keyevent_prefix_("__keyevent@" + std::to_string(options.db) + "__:") {
  SetFlags(0);
}

KeyspaceNotifier::~KeyspaceNotifier() {
  std::lock_guard lock(mu_);
  if (sub_id_ != 0) {
    bus_.Unsubscribe(sub_id_);
    bus_.Drain();  // the bus may still run a batch that copied our handler
  }
}

EventMask KeyspaceNotifier::MaskFor(uint32_t flags) const {
  EventMask mask = options_.cairn_events ? kCairnMask : 0;
  if ((flags & (kNotifyKeyspace | kNotifyKeyevent)) == 0) return mask;
  if (flags & kNotifyExpired) mask |= MaskOf(EventType::kExpired);
  if (flags & kNotifyEvicted) mask |= MaskOf(EventType::kEvicted);
  if (flags & kNotifyKeyMiss) mask |= MaskOf(EventType::kMiss);
  if (options_.writes_from_bus) {
    if (flags & (kNotifyString | kNotifyGeneric)) mask |= MaskOf(EventType::kSet);
    if (flags & kNotifyGeneric) mask |= MaskOf(EventType::kDelete);
  }
  return mask;
}

void KeyspaceNotifier::SetFlags(uint32_t flags) {
  std::lock_guard lock(mu_);
  flags_.store(flags, std::memory_order_relaxed);
  const EventMask mask = MaskFor(flags);
  if (mask == bus_mask_.load(std::memory_order_relaxed) && (sub_id_ != 0) == (mask != 0)) return;
  if (sub_id_ != 0) bus_.Unsubscribe(sub_id_);
  sub_id_ = 0;
  if (mask != 0) sub_id_ = bus_.Subscribe(mask, [this](const Event& e) { OnEvent(e); });
  bus_mask_.store(mask, std::memory_order_relaxed);
}

void KeyspaceNotifier::OnEvent(const Event& e) {
  switch (e.type) {
    case EventType::kSet:
      if (!options_.writes_from_bus) break;
      if (e.detail == "rename_to") {
        Notify(kNotifyGeneric, "rename_to", e.key);
      } else {
        Notify(kNotifyString, "set", e.key);
      }
      break;
    case EventType::kDelete:
      if (!options_.writes_from_bus) break;
      Notify(kNotifyGeneric, e.detail == "rename_from" ? "rename_from" : "del", e.key);
      break;
    case EventType::kExpired:
      Notify(kNotifyExpired, "expired", e.key);
      break;
    case EventType::kEvicted:
      Notify(kNotifyEvicted, "evicted", e.key);
      break;
    case EventType::kMiss:
      Notify(kNotifyKeyMiss, "keymiss", e.key);
      break;
    case EventType::kFlush:
    case EventType::kFlushError:
    case EventType::kStoreFailing:
    case EventType::kStoreRecovered:
    case EventType::kCapacityWarning:
    case EventType::kPolicyChanged:
      NotifyCairn(ToString(e.type), e.key, e.detail);
      break;
    default:
      break;
  }
}

void KeyspaceNotifier::Notify(uint32_t type_class, std::string_view event, std::string_view key) {
  const uint32_t f = flags_.load(std::memory_order_relaxed);
  if ((f & type_class) == 0 || !hub_.HasSubscriptions()) return;
  std::string& chan = ChannelBuffer();
  if (f & kNotifyKeyspace) {
    chan.assign(keyspace_prefix_).append(key);
    hub_.Publish(chan, event);
  }
  if (f & kNotifyKeyevent) {
    chan.assign(keyevent_prefix_).append(event);
    hub_.Publish(chan, key);
  }
}

void KeyspaceNotifier::NotifyCairn(std::string_view event, std::string_view key,
                                   std::string_view detail) {
  if (!options_.cairn_events || !hub_.HasSubscriptions()) return;
  std::string& line = ChannelBuffer();
  line.assign(event);
  line += ' ';
  AppendOneLine(line, key);
  line += ' ';
  AppendOneLine(line, detail);
  hub_.Publish(kCairnEventsChannel, line);
}

}  // namespace cairn
