// CacheManager's internals, shared by its three files (cache_manager.cc: routing, reads, writes,
// capacity; cache_manager_keyspace.cc: walks and snapshots; cache_manager_persistence.cc: the
// write policy and the write-back flush). Internal to the cache module.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "cairn/cache/cache_manager.h"
#include "shard.h"

namespace cairn {

struct CacheManager::Impl {
  Budget budget;
  unsigned shard_shift = 64;
  std::mutex policy_mu;        // one swap at a time (held for the whole rebuild)
  mutable std::mutex name_mu;  // policy_name: readers (INFO) never wait for a rebuild
  std::string policy_name;
  std::atomic<bool> noeviction{false};  // policy_name is noeviction (OutOfMemory)
  std::thread swap_thread;              // StartPolicySwap's rebuild
  std::atomic<bool> swap_running{false};
  std::atomic<size_t> evict_cursor{0};
  std::atomic<size_t> expire_cursor{0};
  std::atomic<int64_t> expiry_lag_ms{0};
  std::atomic<uint64_t> oom_rejections{0};
  PersistState persist;
  std::atomic<uint64_t> tier_hits{0};
  std::atomic<uint64_t> tier_misses{0};
  std::mutex mode_mu;
  std::atomic<uint64_t> bp_limit{0};
  std::atomic<uint64_t> bp_bytes{0};
  std::atomic<bool> bp_reject{false};
  std::atomic<int64_t> bp_block_ms{5000};
  std::atomic<uint64_t> bp_rejections{0};
};

namespace cache_internal {

constexpr int kMaxAttempts = 3;
constexpr size_t kExpireBatch = 64;

// Reserves (di, db) and evicts from `locked` shards until the budget holds. kOk: reserved.
// kNotApplied: these shards ran out of victims (reservation released). kOutOfMemory: can never
// fit.
OpStatus ReserveLocked(Budget& budget, std::span<Shard* const> locked, int64_t di, int64_t db,
                       std::span<Entry* const> protect, int64_t now_ms, EventBatch& ev);
uint64_t& ThreadRng();
// Records `msg` as this thread's last persistence error and returns kIoError.
OpStatus IoError(std::string msg);

}  // namespace cache_internal
}  // namespace cairn
