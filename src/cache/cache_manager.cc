// CacheManager: routing, capacity (eviction elsewhere, refusals), policy, maintenance and stats.
// Reads and writes of keys are in cache_manager_ops.cc (with the capacity protocol), the
// keyspace walks and snapshots in cache_manager_keyspace.cc, the persistence side in
// cache_manager_persistence.cc.
#include "cairn/cache/cache_manager.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "cache_manager_impl.h"
#include "cairn/common/glob.h"
#include "cairn/common/hash.h"
#include "cairn/events/event_bus.h"
#include "cairn/eviction/lfu_counter.h"
#include "cairn/eviction/registry.h"
#include "shard.h"

namespace cairn {
namespace cache_internal {

OpStatus ReserveLocked(Budget& budget, std::span<Shard* const> locked, int64_t di, int64_t db,
                       std::span<Entry* const> protect, int64_t now_ms, EventBatch& ev) {
  uint64_t max_bytes = budget.max_bytes.load(std::memory_order_relaxed);
  if (max_bytes != 0 && db > 0 && static_cast<uint64_t>(db) > max_bytes) {
    return OpStatus::kOutOfMemory;
  }
  budget.Add(di, db);
  if (di <= 0 && db <= 0) return OpStatus::kOk;  // a shrinking write is never refused
  std::vector<Entry*> detached;
  for (Shard* s : locked) {
    EvictionCause cause;
    while ((cause = budget.Over()) != EvictionCause::kNone) {
      if (!s->EvictOneLocked(cause, now_ms, ev, protect, detached)) break;
    }
    s->ReattachLocked(detached);
    if (budget.Over() == EvictionCause::kNone) return OpStatus::kOk;
  }
  budget.Add(-di, -db);
  return OpStatus::kNotApplied;
}

uint64_t& ThreadRng() {
  thread_local uint64_t state =
      0x9E3779B97F4A7C15ULL ^ reinterpret_cast<uintptr_t>(&state) ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return state;
}

}  // namespace cache_internal

using cache_internal::kExpireBatch;
using cache_internal::kMaxAttempts;
using cache_internal::ThreadRng;

CacheManager::CacheManager(const CacheOptions& options, const Clock& clock, EventBus* bus)
    : clock_(clock), bus_(bus), impl_(std::make_unique<Impl>()) {
  size_t n = std::bit_ceil(std::max<size_t>(1, options.shards));
  impl_->shard_shift = 64 - std::countr_zero(n);
  std::string name = PolicyRegistry::Builtin().Canonical(options.eviction_policy);
  if (name.empty()) name = "lru";
  impl_->policy_name = name;
  impl_->noeviction.store(name == "noeviction", std::memory_order_relaxed);
  impl_->budget.max_items = options.max_items;
  impl_->budget.max_bytes = options.max_bytes;
  for (size_t i = 0; i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>(i, impl_->budget, impl_->persist,
                                              PolicyRegistry::Builtin().Create(name),
                                              0x243F6A8885A308D3ULL * (i + 1)));
  }
}

CacheManager::~CacheManager() {
  if (impl_->swap_thread.joinable()) impl_->swap_thread.join();
  shards_.clear();  // shards reference impl_->budget
}

size_t CacheManager::ShardIndex(uint64_t hash) const {
  return impl_->shard_shift >= 64 ? 0 : static_cast<size_t>(hash >> impl_->shard_shift);
}
Shard& CacheManager::ShardFor(uint64_t hash) const { return *shards_[ShardIndex(hash)]; }
size_t CacheManager::ShardOf(std::string_view key) const { return ShardIndex(HashKey(key)); }

OpStatus CacheManager::Refuse(std::string_view key) {
  impl_->oom_rejections.fetch_add(1, std::memory_order_relaxed);
  if (bus_ != nullptr && bus_->Wants(EventType::kCapacityWarning)) {
    bus_->Publish(Event{EventType::kCapacityWarning, EvictionCause::kNone, clock_.NowMs(),
                        std::string(key), "write refused: capacity reached, nothing evictable"});
  }
  return OpStatus::kOutOfMemory;
}

bool CacheManager::EvictElsewhere(int64_t items, int64_t bytes) {
  Budget& b = impl_->budget;
  const size_t n = shards_.size();
  const size_t start = impl_->evict_cursor.fetch_add(1, std::memory_order_relaxed);
  std::vector<Entry*> detached;
  for (size_t i = 0; i < n && b.Over(items, bytes) != EvictionCause::kNone; ++i) {
    Shard& s = *shards_[(start + i) % n];
    EventBatch ev(bus_);
    std::lock_guard lock(s.mu);
    const int64_t now = clock_.NowMs();
    EvictionCause cause;
    while ((cause = b.Over(items, bytes)) != EvictionCause::kNone) {
      if (!s.EvictOneLocked(cause, now, ev, {}, detached)) break;
    }
    s.ReattachLocked(detached);  // dirty victims whose write failed stay resident
  }
  return b.Over(items, bytes) == EvictionCause::kNone;
}

// ---------------- capacity and policy ----------------

void CacheManager::SetCapacity(uint64_t max_items, uint64_t max_bytes) {
  impl_->budget.max_items.store(max_items, std::memory_order_relaxed);
  impl_->budget.max_bytes.store(max_bytes, std::memory_order_relaxed);
  // Without a byte limit the writes do not keep the policies' metadata charge current
  // (Shard::SyncChargedPolicyBytesLocked): bring it up to date before the budget is judged.
  for (auto& s : shards_) {
    std::lock_guard lock(s->mu);
    s->SyncPolicyBytesLocked();
  }
  EvictElsewhere(0, 0);  // shrink to the new limits now, not on the next write
}

uint64_t CacheManager::max_items() const {
  return impl_->budget.max_items.load(std::memory_order_relaxed);
}
void CacheManager::ChargeExternal(int64_t delta_bytes) {
  impl_->budget.external_bytes.fetch_add(delta_bytes, std::memory_order_relaxed);
}

int64_t CacheManager::external_bytes() const {
  return impl_->budget.external_bytes.load(std::memory_order_relaxed);
}

bool CacheManager::OutOfMemory() const {
  return impl_->noeviction.load(std::memory_order_relaxed) &&
         impl_->budget.Over(1, static_cast<int64_t>(Entry::Charge(1, 1))) != EvictionCause::kNone;
}

uint64_t CacheManager::max_bytes() const {
  return impl_->budget.max_bytes.load(std::memory_order_relaxed);
}

bool CacheManager::SetPolicy(std::string_view name) {
  const PolicyRegistry& registry = PolicyRegistry::Builtin();
  std::string canonical = registry.Canonical(name);
  if (canonical.empty()) return false;
  std::string old;
  {
    std::lock_guard plock(impl_->policy_mu);  // one swap at a time
    old = policy();
    // One shard at a time: the rest of the cache keeps serving while a shard rebuilds.
    for (auto& sp : shards_) {
      auto fresh = registry.Create(canonical);
      std::lock_guard lock(sp->mu);
      sp->SwapPolicyLocked(std::move(fresh));
    }
    std::lock_guard nlock(impl_->name_mu);
    impl_->policy_name = canonical;
    impl_->noeviction.store(canonical == "noeviction", std::memory_order_relaxed);
  }
  if (bus_ != nullptr && bus_->Wants(EventType::kPolicyChanged)) {
    bus_->Publish(Event{EventType::kPolicyChanged,
                        EvictionCause::kNone,
                        clock_.NowMs(),
                        {},
                        old + "->" + canonical});
  }
  return true;
}

bool CacheManager::StartPolicySwap(std::string_view name) {
  std::string canonical = PolicyRegistry::Builtin().Canonical(name);
  if (canonical.empty()) return false;
  // A swap still running (a second CONFIG SET right after the first, or a rollback) is waited
  // for: swaps apply in the order they were asked for.
  if (impl_->swap_thread.joinable()) impl_->swap_thread.join();
  impl_->swap_running.store(true, std::memory_order_release);
  impl_->swap_thread = std::thread([this, canonical = std::move(canonical)] {
    SetPolicy(canonical);
    impl_->swap_running.store(false, std::memory_order_release);
  });
  return true;
}

const std::atomic<bool>& CacheManager::policy_swap_running() const { return impl_->swap_running; }

std::string CacheManager::policy() const {
  std::lock_guard lock(impl_->name_mu);
  return impl_->policy_name;
}

// ---------------- maintenance and stats ----------------

size_t CacheManager::ActiveExpireCycle(int64_t budget_us) {
  using SteadyClock = std::chrono::steady_clock;
  const auto deadline = SteadyClock::now() + std::chrono::microseconds(budget_us);
  const size_t n = shards_.size();
  const size_t start = impl_->expire_cursor.load(std::memory_order_relaxed);
  size_t removed = 0;
  int64_t lag = 0;
  for (size_t i = 0; i < n; ++i) {
    Shard& s = *shards_[(start + i) % n];
    while (true) {
      EventBatch ev(bus_);
      std::pair<size_t, size_t> r;
      {
        // No key expires between two commands of an EXEC or inside a script.
        GateGuard gate(&gate_, GateGuard::Mode::kShared);
        std::lock_guard lock(s.mu);
        r = s.ExpireSomeLocked(kExpireBatch, clock_.NowMs(), ev, lag);
      }
      ev.Publish();
      removed += r.second;
      // Keep going on this shard while at least 10% of what we check is expired.
      if (r.first == 0 || r.second * 10 < r.first) break;
      if (SteadyClock::now() >= deadline) break;
    }
    if (SteadyClock::now() >= deadline) {
      impl_->expire_cursor.store((start + i) % n, std::memory_order_relaxed);
      impl_->expiry_lag_ms.store(lag, std::memory_order_relaxed);
      return removed;
    }
  }
  impl_->expire_cursor.store((start + 1) % n, std::memory_order_relaxed);
  impl_->expiry_lag_ms.store(lag, std::memory_order_relaxed);
  return removed;
}

CacheStats CacheManager::Stats() const {
  CacheStats st;
  for (const auto& sp : shards_) {
    std::lock_guard lock(sp->mu);
    const ShardCounters& c = sp->counters();
    st.items += sp->items();
    st.bytes += sp->bytes();
    st.expires += sp->expires();
    st.hits += c.hits;
    st.misses += c.misses;
    st.sets += c.sets;
    st.deletes += c.deletes;
    st.evictions_size += c.evictions_size;
    st.evictions_items += c.evictions_items;
    st.expirations += c.expirations;
    st.active_expirations += c.active_expirations;
    st.policy_metadata_bytes += sp->policy().MetadataBytes();
  }
  st.evictions = st.evictions_size + st.evictions_items;
  st.oom_rejections = impl_->oom_rejections.load(std::memory_order_relaxed);
  st.expiry_lag_ms = impl_->expiry_lag_ms.load(std::memory_order_relaxed);
  return st;
}

int64_t CacheManager::EstimateAvgTtlMs(size_t per_shard) const {
  // Per shard, up to `per_shard` of its `expires` TTL'd keys sampled across its index, `counted`
  // of them not yet expired, with `sum` ms left: the shard holds about expires * counted / taken
  // live TTL'd keys whose mean remaining TTL is sum / counted.
  double total_ms = 0, live_keys = 0;
  for (const auto& sp : shards_) {
    uint64_t sum = 0, expires = 0, taken = 0, counted = 0;
    {
      std::lock_guard lock(sp->mu);
      expires = sp->expires();
      const int64_t now = clock_.NowMs();
      sp->SampleExpiring(per_shard, [&](const Entry& e) {
        ++taken;
        const int64_t left = e.expire_at_ms() - now;
        if (left > 0) {  // already expired, not yet reclaimed: not counted
          sum += static_cast<uint64_t>(left);
          ++counted;
        }
      });
    }
    if (counted == 0) continue;
    const double scale = static_cast<double>(expires) / static_cast<double>(taken);
    total_ms += static_cast<double>(sum) * scale;
    live_keys += static_cast<double>(counted) * scale;
  }
  return live_keys == 0 ? 0 : static_cast<int64_t>(total_ms / live_keys + 0.5);
}

void CacheManager::ResetStats() {
  for (auto& sp : shards_) {
    std::lock_guard lock(sp->mu);
    sp->counters() = ShardCounters{};
  }
  impl_->oom_rejections.store(0, std::memory_order_relaxed);
}

}  // namespace cairn
