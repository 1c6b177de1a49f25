// Typed lifecycle events. Every transition of an entry or of the cache's configuration is one
// Event on the EventBus; metrics, logs, keyspace notifications and Prometheus subscribe to it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn {

enum class EventType : uint8_t {
  kSet,              // key written (SET, MSET, INCR, APPEND ... any successful write)
  kHit,              // read found the key
  kMiss,             // read did not find the key
  kDelete,           // explicit delete (DEL, GETDEL, FLUSH, RENAME source ...)
  kExpired,          // removed because its TTL passed (lazily or by active expiry)
  kEvicted,          // removed to make room; see EvictionCause
  kCapacityWarning,  // a write was refused for lack of room (or the cache is near its limit)
  kPolicyChanged,    // eviction policy swapped at run time; detail = "old->new"
  kFlush,            // write-back batch flushed (persistence)
  kFlushError,       // write-back batch failed (persistence)
  kStoreFailing,     // the persistent store stopped taking writes; detail = the error
  kStoreRecovered,   // it takes writes again; detail = how, after how long
  kCount
};

enum class EvictionCause : uint8_t { kNone, kSize, kItems };

std::string_view ToString(EventType t);
std::string_view ToString(EvictionCause c);

using EventMask = uint32_t;
constexpr EventMask MaskOf(EventType t) { return EventMask{1} << static_cast<unsigned>(t); }
inline constexpr EventMask kAllEvents =
    (EventMask{1} << static_cast<unsigned>(EventType::kCount)) - 1;

struct Event {
  EventType type = EventType::kSet;
  EvictionCause cause = EvictionCause::kNone;
  int64_t time_ms = 0;
  std::string key;     // empty for cache-wide events
  std::string detail;  // free text: policy names, error message, counts
};

}  // namespace cairn
