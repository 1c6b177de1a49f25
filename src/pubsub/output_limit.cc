#include "cairn/pubsub/output_limit.h"

namespace cairn {

bool OutputLimitTracker::Exceeded(const OutputBufferLimit& limit, uint64_t pending_bytes,
                                  int64_t now_ms) {
  const bool hard = limit.hard_bytes != 0 && pending_bytes >= limit.hard_bytes;
  bool soft = limit.soft_bytes != 0 && pending_bytes >= limit.soft_bytes;
  if (soft) {
    if (soft_since_ms_ < 0) {
      soft_since_ms_ = now_ms;  // first time over the soft limit: start the timer
      soft = false;
    } else if (now_ms - soft_since_ms_ <= limit.soft_seconds * 1000) {
      soft = false;  // not yet over it for long enough
    }
  } else {
    soft_since_ms_ = -1;
  }
  return hard || soft;
}

}  // namespace cairn
