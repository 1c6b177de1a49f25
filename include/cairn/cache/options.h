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

// The shard count a server starts with: the configured count (a power of two, as CacheOptions
// rounds it), reduced so that each shard holds at least kMinItemsPerShard entries when max-items
// is set (0: unlimited, no reduction). The budget is global but each shard evicts from its own
// entries with its own policy instance, so a 284-key cache split 16 ways runs sixteen 18-entry
// caches: every policy loses hit ratio to the split (bench/replay.sh: LIRS multi2 at 5%, adaptive
// 39.7% with 16 shards against 41.2% with one, lru 1.1 points) and adaptive's miniature
// simulations are too small to decide. Below 1k entries the experts' own structure degrades too
// (S3-FIFO's 10% probation queue, W-TinyLFU's 1% window). Chosen once at startup: the routing of
// keys to shards is fixed for the life of the process, so a later CONFIG SET max-items keeps it.
inline constexpr uint64_t kMinItemsPerShard = 1024;
inline size_t EffectiveShards(size_t configured, uint64_t max_items) {
  size_t n = 1;
  while (n < configured) n *= 2;
  if (max_items == 0) return n;
  while (n > 1 && max_items / n < kMinItemsPerShard) n /= 2;
  return n;
}

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
