// Expiry arithmetic shared by the string (SET EX / GETEX) and keyspace (EXPIRE) families.
// Private to the command module.
#pragma once

#include <cstdint>

#include "cairn/cache/entry.h"

namespace cairn {

// The cache stores expiry times in 47 bits (until the year 6429); later times, which Redis
// accepts, are stored as that maximum: the key still never expires in practice.
inline int64_t ClampExpireMs(int64_t ms) {
  return ms > Entry::kMaxExpireMs ? Entry::kMaxExpireMs : ms;
}

}  // namespace cairn
