// Options and statistics of the cache engine (owned by the cache module; config composes them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cairn {

struct CacheOptions {
  size_t shards = 16;                        // rounded up to a power of two, at least 1
  uint64_t max_items = 0;                    // 0 = unlimited
  uint64_t max_bytes = 0;                    // 0 = unlimited (Redis's maxmemory)
  std::string eviction_policy = "adaptive";  // registry name or alias
};

struct CacheStats {
  uint64_t items = 0;
  uint64_t bytes = 0;
  uint64_t expires = 0;  // resident keys with a TTL
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t sets = 0;
  uint64_t deletes = 0;
  uint64_t evictions = 0;
  uint64_t evictions_size = 0;   // cause: maxmemory
  uint64_t evictions_items = 0;  // cause: max-items
  uint64_t expirations = 0;      // lazy + active
  uint64_t active_expirations = 0;
  uint64_t oom_rejections = 0;
  uint64_t policy_metadata_bytes = 0;
  int64_t expiry_lag_ms = 0;  // worst lateness seen by active expiry in its last cycle
};

// Write-back backpressure: above `max_keys` dirty keys or `max_bytes` of dirty entries (their
// charges; 0 = no limit for either), writes are refused (reject) or first wait up to `block_ms`
// while the writer helps flush, then are refused.
struct WriteBackLimits {
  uint64_t max_keys = 0;
  uint64_t max_bytes = 0;
  bool reject = false;
  int64_t block_ms = 5000;
};

struct PersistStats {
  uint64_t dirty_keys = 0;
  uint64_t dirty_bytes = 0;
  uint64_t dirty_queue = 0;  // queued flush slots; a key is queued once however often rewritten
  int64_t oldest_dirty_age_ms = 0;
  uint64_t tier_errors = 0;
  uint64_t read_through_hits = 0;
  uint64_t read_through_misses = 0;
  uint64_t backpressure_rejections = 0;
};

}  // namespace cairn
