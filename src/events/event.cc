#include "cairn/events/event.h"

namespace cairn {

std::string_view ToString(EventType t) {
  switch (t) {
    case EventType::kSet:
      return "set";
    case EventType::kHit:
      return "hit";
    case EventType::kMiss:
      return "miss";
    case EventType::kDelete:
      return "delete";
    case EventType::kExpired:
      return "expired";
    case EventType::kEvicted:
      return "evicted";
    case EventType::kCapacityWarning:
      return "capacity_warning";
    case EventType::kPolicyChanged:
      return "policy_changed";
    case EventType::kFlush:
      return "flush";
    case EventType::kFlushError:
      return "flush_error";
    case EventType::kStoreFailing:
      return "store_failing";
    case EventType::kStoreRecovered:
      return "store_recovered";
    case EventType::kCount:
      break;
  }
  return "unknown";
}

std::string_view ToString(EvictionCause c) {
  switch (c) {
    case EvictionCause::kNone:
      return "none";
    case EvictionCause::kSize:
      return "size";
    case EvictionCause::kItems:
      return "items";
  }
  return "unknown";
}

}  // namespace cairn
