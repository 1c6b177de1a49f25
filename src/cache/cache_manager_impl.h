// CacheManager's internals, shared by its three files (cache_manager.cc: routing, reads, writes,
// capacity; cache_manager_keyspace.cc: walks and snapshots; cache_manager_persistence.cc: the
// write policy and the write-back flush). Internal to the cache module.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
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

// The locks of a set of shards, taken in the given order (ascending shard index: the one lock
// order) for the holder's lifetime, released in reverse. The one way an operation holds several
// shards (MSET, RENAME, the make-room driver); no allocation.
class ShardLocks {
 public:
  explicit ShardLocks(std::span<Shard* const> shards) : shards_(shards) {
    for (Shard* s : shards_) s->mu.lock();
  }
  ~ShardLocks() {
    for (size_t i = shards_.size(); i-- > 0;) shards_[i]->mu.unlock();
  }
  ShardLocks(const ShardLocks&) = delete;
  ShardLocks& operator=(const ShardLocks&) = delete;

 private:
  std::span<Shard* const> shards_;
};

}  // namespace cache_internal

// What a write could not find room for in the shards it holds: WriteMakingRoom evicts that much
// elsewhere, then runs the write again.
struct CacheManager::Room {
  int64_t items = 0;
  int64_t bytes = 0;
  bool wanted = false;
};

// The "make room, else retry" driver of every write that may need capacity (Set, Mutate,
// MultiSet): backpressure first; then, with `shards` locked (ascending index), `body(now, ev,
// room)` runs and returns the operation's status. A body that found no room in its shards
// (ReserveIn said kNotApplied and filled `room`) is retried, at most kMaxAttempts times, after
// the locks are released and EvictElsewhere made that room in the other shards; kOutOfMemory
// (or no room anywhere) is refused (counted, capacity_warning) once the locks are released. The
// body may run more than once and must compute only from what it finds under the locks.
// Events are published after the locks are released. A template, inlined into each caller: the
// SET path pays no indirect call.
template <typename Body>
OpStatus CacheManager::WriteMakingRoom(std::string_view key, std::span<Shard* const> shards,
                                       Body&& body) {
  if (OpStatus bp = Backpressure(); bp != OpStatus::kOk) [[unlikely]] {
    return bp;
  }
  for (int attempt = 1;; ++attempt) {
    EventBatch ev(bus_);
    Room room;
    OpStatus r;
    {
      cache_internal::ShardLocks locks(shards);
      r = body(clock_.NowMs(), ev, room);
    }
    if (!room.wanted) [[likely]] {
      return r == OpStatus::kOutOfMemory ? Refuse(key) : r;
    }
    if (attempt == cache_internal::kMaxAttempts || !EvictElsewhere(room.items, room.bytes)) {
      return Refuse(key);
    }
  }
}
}  // namespace cairn
