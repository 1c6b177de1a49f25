// client-output-buffer-limit for one client class (pubsub: "32mb 8mb 60" by default), with
// Redis's semantics (networking.c checkClientOutputBufferLimits): the client is over the limit
// when its pending output reaches the hard limit, or stays at or above the soft limit for more
// than soft_seconds. A zero limit is disabled. Time is passed in (tests drive it by hand).
#pragma once

#include <cstdint>

namespace cairn {

struct OutputBufferLimit {
  uint64_t hard_bytes = 32ull * 1024 * 1024;
  uint64_t soft_bytes = 8ull * 1024 * 1024;
  int64_t soft_seconds = 60;
};

// Per-client state of the soft-limit timer. Not thread-safe: used under the session's own lock.
class OutputLimitTracker {
 public:
  // True when `pending_bytes` of unsent output at `now_ms` breaks `limit`.
  bool Exceeded(const OutputBufferLimit& limit, uint64_t pending_bytes, int64_t now_ms);
  void Reset() { soft_since_ms_ = -1; }

 private:
  int64_t soft_since_ms_ = -1;  // when the soft limit was first reached (-1: below it)
};

}  // namespace cairn
