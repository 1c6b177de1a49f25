// CacheManager: routing, cross-shard orchestration, capacity. The keyspace walks and snapshots
// are in cache_manager_keyspace.cc, the persistence side (write policy, write-back flush) in
// cache_manager_persistence.cc.
//
// Capacity protocol. Limits (max_items, max_bytes) are global; usage is kept in Budget (relaxed
// atomics) and per shard. A write first *reserves* its delta in the Budget, then evicts from the
// shard(s) it has locked until the Budget holds again. If those shards have nothing left to evict,
// it releases the reservation and its locks, evicts from the other shards one lock at a time
// (EvictElsewhere), and retries (at most kMaxAttempts times). Only when no shard has an
// evictable entry is the write refused (kOutOfMemory + capacity_warning). Because every increase
// is followed by the same thread evicting until the Budget holds, usage is within limits whenever
// no write is in flight; a single entry larger than max_bytes is refused up front.
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

// The last persistence error seen by this thread (for the command layer's error reply).
thread_local std::string last_io_error;

OpStatus IoError(std::string msg) {
  last_io_error = std::move(msg);
  return OpStatus::kIoError;
}

}  // namespace cache_internal

using cache_internal::IoError;
using cache_internal::kExpireBatch;
using cache_internal::kMaxAttempts;
using cache_internal::ReserveLocked;
using cache_internal::ThreadRng;

const std::string& CacheManager::last_io_error() { return cache_internal::last_io_error; }

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

// ---------------- reads ----------------

OpStatus CacheManager::Get(std::string_view key, FunctionRef<void(const Entry&)> fn) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  {
    EventBatch ev(bus_);
    std::lock_guard lock(s.mu);
    const int64_t now = clock_.NowMs();
    Entry* e = s.FindLocked(key, h, now, ev);
    if (e != nullptr) {
      ++s.counters().hits;
      s.TouchLocked(*e, now);
      ev.Add(EventType::kHit, key, now);
      fn(*e);
      return OpStatus::kOk;
    }
    if (!impl_->persist.read_through.load(std::memory_order_relaxed) ||
        impl_->persist.tier.load(std::memory_order_acquire) == nullptr ||
        s.HasPendingDeleteLocked(key)) {
      ++s.counters().misses;
      ev.Add(EventType::kMiss, key, now);
      return OpStatus::kNotFound;
    }
  }
  return ReadThrough(key, h, fn);
}

OpStatus CacheManager::ReadThrough(std::string_view key, uint64_t h,
                                   FunctionRef<void(const Entry&)> fn) {
  Shard& s = ShardFor(h);
  std::string err;
  BackingTier* tier = impl_->persist.tier.load(std::memory_order_acquire);
  std::optional<TierRecord> rec = tier->Read(key, &err);  // no lock held: the tier may be slow
  if (!err.empty()) impl_->persist.tier_errors.fetch_add(1, std::memory_order_relaxed);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  Shard* self = &s;
  const int64_t now = clock_.NowMs();
  Entry* e = s.FindLocked(key, h, now, ev);  // written meanwhile? memory wins
  if (e == nullptr && rec && !(rec->expire_at_ms != 0 && rec->expire_at_ms <= now) &&
      !s.HasPendingDeleteLocked(key)) {
    const int64_t db = static_cast<int64_t>(Entry::Charge(key.size(), rec->value.size()));
    if (ReserveLocked(impl_->budget, {&self, 1}, 1, db, {}, now, ev) == OpStatus::kOk) {
      e = s.WriteLocked(key, h, rec->value, nullptr, rec->expire_at_ms, now);  // clean
      --s.counters().sets;  // a load, not a client write
      impl_->tier_hits.fetch_add(1, std::memory_order_relaxed);
    } else {
      // No room: serve it without caching.
      impl_->tier_hits.fetch_add(1, std::memory_order_relaxed);
      ++s.counters().hits;
      ev.Add(EventType::kHit, key, now);
      void* mem = std::malloc(Entry::AllocSize(key.size(), rec->value.size()));
      Entry* tmp = Entry::Construct(mem, key, rec->value);
      tmp->set_expire_at_ms(rec->expire_at_ms);
      fn(*tmp);
      tmp->~Entry();
      std::free(mem);
      return OpStatus::kOk;
    }
  } else if (e == nullptr) {
    impl_->tier_misses.fetch_add(1, std::memory_order_relaxed);
    ++s.counters().misses;
    ev.Add(EventType::kMiss, key, now);
    return OpStatus::kNotFound;
  }
  ++s.counters().hits;
  s.TouchLocked(*e, now);
  ev.Add(EventType::kHit, key, now);
  fn(*e);
  return OpStatus::kOk;
}

OpStatus CacheManager::Peek(std::string_view key, FunctionRef<void(const Entry&)> fn) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  Entry* e = s.FindLocked(key, h, clock_.NowMs(), ev);
  if (e == nullptr) return OpStatus::kNotFound;
  fn(*e);
  return OpStatus::kOk;
}

bool CacheManager::Exists(std::string_view key) {
  return Peek(key, [](const Entry&) {}) == OpStatus::kOk;
}

// ---------------- writes ----------------

OpStatus CacheManager::DeleteLocked(Shard& s, Entry* e, std::string_view key, uint64_t h,
                                    int64_t now, EventBatch& ev) {
  if (e == nullptr) return OpStatus::kOk;
  std::string err;
  if (!s.CommitDeleteLocked(e, h, now, &err)) return IoError(std::move(err));
  ev.Add(EventType::kDelete, key, now);
  return OpStatus::kOk;
}

OpStatus CacheManager::WriteOneLocked(Shard& s, std::string_view key, uint64_t h,
                                      std::string_view value, Entry* e, int64_t expire, int64_t now,
                                      EventBatch& ev, int64_t& di, int64_t& db) {
  Shard* self = &s;
  di = e == nullptr ? 1 : 0;
  db = static_cast<int64_t>(Entry::Charge(key.size(), value.size())) -
       (e == nullptr ? 0 : static_cast<int64_t>(e->charge()));
  Entry* protect[1] = {e};
  OpStatus r =
      ReserveLocked(impl_->budget, {&self, 1}, di, db, {protect, e == nullptr ? 0u : 1u}, now, ev);
  if (r != OpStatus::kOk) return r;
  std::string err;
  if (s.CommitWriteLocked(key, h, value, e, expire, now, &err) == nullptr) {
    impl_->budget.Add(-di, -db);
    return IoError(std::move(err));
  }
  ev.Add(EventType::kSet, key, now);
  return OpStatus::kOk;
}

SetResult CacheManager::Set(std::string_view key, std::string_view value, const SetOptions& opts) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  SetResult result;
  if (OpStatus bp = Backpressure(); bp != OpStatus::kOk) {
    result.status = bp;
    return result;
  }
  for (int attempt = 1;; ++attempt) {
    EventBatch ev(bus_);
    int64_t di = 0, db = 0;
    {
      std::lock_guard lock(s.mu);
      const int64_t now = clock_.NowMs();
      Entry* e = s.FindLocked(key, h, now, ev);
      result.old.reset();
      if (opts.want_old && e != nullptr) result.old.emplace(e->value());
      if ((opts.cond == SetOptions::Cond::kIfAbsent && e != nullptr) ||
          (opts.cond == SetOptions::Cond::kIfPresent && e == nullptr)) {
        result.status = OpStatus::kNotApplied;
        return result;
      }
      const int64_t expire =
          (opts.keep_ttl && e != nullptr) ? e->expire_at_ms() : opts.expire_at_ms;
      if (expire != 0 && expire <= now) {  // written already expired: the key is gone
        result.status = DeleteLocked(s, e, key, h, now, ev);
        return result;
      }
      OpStatus r = WriteOneLocked(s, key, h, value, e, expire, now, ev, di, db);
      if (r != OpStatus::kNotApplied) {
        result.status = r == OpStatus::kOutOfMemory ? Refuse(key) : r;
        return result;
      }
      if (attempt == kMaxAttempts) {
        result.status = Refuse(key);
        return result;
      }
    }
    if (!EvictElsewhere(di, db)) {
      result.status = Refuse(key);
      return result;
    }
  }
}

bool CacheManager::Delete(std::string_view key) { return Take(key).has_value(); }

std::optional<std::string> CacheManager::Take(std::string_view key) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  const int64_t now = clock_.NowMs();
  Entry* e = s.FindLocked(key, h, now, ev);
  if (e == nullptr) return std::nullopt;
  std::optional<std::string> value(e->value());
  std::string err;
  if (!s.CommitDeleteLocked(e, h, now, &err)) {
    IoError(std::move(err));
    return std::nullopt;
  }
  ev.Add(EventType::kDelete, key, now);
  return value;
}

OpStatus CacheManager::Mutate(std::string_view key, FunctionRef<Mutation(const Entry*)> fn) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  if (OpStatus bp = Backpressure(); bp != OpStatus::kOk) return bp;
  for (int attempt = 1;; ++attempt) {
    EventBatch ev(bus_);
    int64_t di = 0, db = 0;
    {
      std::lock_guard lock(s.mu);
      const int64_t now = clock_.NowMs();
      Entry* e = s.FindLocked(key, h, now, ev);
      const Mutation m = fn(e);
      if (m.kind == Mutation::Kind::kKeep) return m.status;
      const int64_t expire = m.keep_ttl ? (e != nullptr ? e->expire_at_ms() : 0) : m.expire_at_ms;
      if (m.kind == Mutation::Kind::kDelete || (expire != 0 && expire <= now)) {
        OpStatus d = DeleteLocked(s, e, key, h, now, ev);
        return d == OpStatus::kOk ? m.status : d;
      }
      OpStatus r = WriteOneLocked(s, key, h, m.value, e, expire, now, ev, di, db);
      if (r == OpStatus::kOk) return m.status;
      if (r != OpStatus::kNotApplied) return r == OpStatus::kOutOfMemory ? Refuse(key) : r;
      if (attempt == kMaxAttempts) return Refuse(key);
    }
    if (!EvictElsewhere(di, db)) return Refuse(key);
  }
}

OpStatus CacheManager::MultiSet(
    std::span<const std::pair<std::string_view, std::string_view>> pairs, bool only_if_none_exist) {
  if (pairs.empty()) return OpStatus::kOk;
  // The last occurrence of a key wins; keep only those, in order.
  std::vector<size_t> order;
  order.reserve(pairs.size());
  {
    std::unordered_set<std::string_view> seen;
    for (size_t i = pairs.size(); i-- > 0;) {
      if (seen.insert(pairs[i].first).second) order.push_back(i);
    }
    std::reverse(order.begin(), order.end());
  }
  std::vector<uint64_t> hashes(pairs.size());
  std::vector<Shard*> locked;
  for (size_t i : order) {
    hashes[i] = HashKey(pairs[i].first);
    locked.push_back(&ShardFor(hashes[i]));
  }
  std::sort(locked.begin(), locked.end(),
            [](const Shard* a, const Shard* b) { return a->index() < b->index(); });
  locked.erase(std::unique(locked.begin(), locked.end()), locked.end());

  std::vector<Entry*> existing(pairs.size(), nullptr);
  std::vector<Entry*> protect;
  const std::string_view first_key = pairs[order.front()].first;
  if (OpStatus bp = Backpressure(); bp != OpStatus::kOk) return bp;
  for (int attempt = 1;; ++attempt) {
    EventBatch ev(bus_);
    int64_t di = 0, db = 0;
    {
      std::vector<std::unique_lock<std::mutex>> locks;
      locks.reserve(locked.size());
      for (Shard* s : locked) locks.emplace_back(s->mu);  // ascending shard index
      const int64_t now = clock_.NowMs();
      protect.clear();
      for (size_t i : order) {
        Entry* e = ShardFor(hashes[i]).FindLocked(pairs[i].first, hashes[i], now, ev);
        if (e != nullptr && only_if_none_exist) return OpStatus::kNotApplied;
        existing[i] = e;
        if (e != nullptr) protect.push_back(e);
        di += e == nullptr ? 1 : 0;
        db += static_cast<int64_t>(Entry::Charge(pairs[i].first.size(), pairs[i].second.size())) -
              (e == nullptr ? 0 : static_cast<int64_t>(e->charge()));
      }
      OpStatus r = ReserveLocked(impl_->budget, locked, di, db, protect, now, ev);
      if (r == OpStatus::kOk) {
        const WriteMode mode = impl_->persist.Mode();
        if (mode == WriteMode::kWriteThrough) {  // all keys in one tier batch
          std::vector<TierWrite> batch;
          for (size_t i : order) batch.push_back({pairs[i].first, pairs[i].second, 0, 0, false});
          if (std::string err = WriteTier(locked, batch); !err.empty()) {
            impl_->budget.Add(-di, -db);
            return IoError(std::move(err));
          }
        }
        for (size_t i : order) {
          ShardFor(hashes[i]).ApplyWriteLocked(mode, pairs[i].first, hashes[i], pairs[i].second,
                                               existing[i], 0, now);
          ev.Add(EventType::kSet, pairs[i].first, now);
        }
        return OpStatus::kOk;
      }
      if (r == OpStatus::kOutOfMemory || attempt == kMaxAttempts) return Refuse(first_key);
    }
    if (!EvictElsewhere(di, db)) return Refuse(first_key);
  }
}

OpStatus CacheManager::Rename(std::string_view src, std::string_view dst, bool nx) {
  const uint64_t hs = HashKey(src), hd = HashKey(dst);
  Shard& ss = ShardFor(hs);
  Shard& ds = ShardFor(hd);
  Shard* locked[2] = {&ss, &ds};
  if (ds.index() < ss.index()) std::swap(locked[0], locked[1]);
  const size_t nlocked = &ss == &ds ? 1 : 2;
  EventBatch ev(bus_);
  std::unique_lock first(locked[0]->mu);
  std::unique_lock<std::mutex> second;
  if (nlocked == 2) second = std::unique_lock(locked[1]->mu);
  const int64_t now = clock_.NowMs();
  Entry* e = ss.FindLocked(src, hs, now, ev);
  if (e == nullptr) return OpStatus::kNotFound;
  if (src == dst) return nx ? OpStatus::kNotApplied : OpStatus::kOk;
  Entry* d = ds.FindLocked(dst, hd, now, ev);
  if (d != nullptr && nx) return OpStatus::kNotApplied;
  // Net effect: the new entry replaces e (and d). Reserve the net delta for the capacity check,
  // then pre-credit what the two erasures below will subtract from the budget.
  const int64_t freed_items = d == nullptr ? 1 : 2;
  const int64_t freed_bytes =
      static_cast<int64_t>(e->charge()) + (d == nullptr ? 0 : static_cast<int64_t>(d->charge()));
  const int64_t db = static_cast<int64_t>(Entry::Charge(dst.size(), e->value_len())) - freed_bytes;
  Entry* protect[2] = {e, d};
  OpStatus r = ReserveLocked(impl_->budget, {locked, nlocked}, 1 - freed_items, db,
                             {protect, d == nullptr ? 1u : 2u}, now, ev);
  if (r != OpStatus::kOk) return Refuse(dst);
  const WriteMode mode = impl_->persist.Mode();
  if (mode == WriteMode::kWriteThrough) {  // both halves in one tier batch
    TierWrite batch[2] = {{src, {}, 0, 0, true}, {dst, e->value(), e->expire_at_ms(), 0, false}};
    if (std::string err = WriteTier({locked, nlocked}, batch); !err.empty()) {
      impl_->budget.Add(-(1 - freed_items), -db);
      return IoError(std::move(err));
    }
  }
  impl_->budget.Add(freed_items, freed_bytes);
  if (d != nullptr) ds.ApplyDeleteLocked(mode, d, hd, now);
  ds.ApplyWriteLocked(mode, dst, hd, e->value(), nullptr, e->expire_at_ms(), now, e);
  ev.Add(EventType::kDelete, src, now, EvictionCause::kNone, "rename_from");
  ev.Add(EventType::kSet, dst, now, EvictionCause::kNone, "rename_to");
  ss.ApplyDeleteLocked(mode, e, hs, now);
  return OpStatus::kOk;
}

// ---------------- expiry ----------------

OpStatus CacheManager::Expire(std::string_view key, int64_t expire_at_ms, ExpireCond cond) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  const int64_t now = clock_.NowMs();
  Entry* e = s.FindLocked(key, h, now, ev);
  if (e == nullptr) return OpStatus::kNotFound;
  const int64_t cur = e->expire_at_ms();  // 0 = no expiry = infinitely far
  bool apply = true;
  switch (cond) {
    case ExpireCond::kAlways:
      break;
    case ExpireCond::kNx:
      apply = cur == 0;
      break;
    case ExpireCond::kXx:
      apply = cur != 0;
      break;
    case ExpireCond::kGt:
      apply = cur != 0 && expire_at_ms > cur;
      break;
    case ExpireCond::kLt:
      apply = cur == 0 || expire_at_ms < cur;
      break;
  }
  if (!apply) return OpStatus::kNotApplied;
  std::string err;
  if (expire_at_ms <= now) {
    if (!s.CommitDeleteLocked(e, h, now, &err)) return IoError(std::move(err));
    ev.Add(EventType::kDelete, key, now);
    return OpStatus::kOk;
  }
  s.SetExpiryLocked(*e, expire_at_ms);
  if (!s.CommitMetaLocked(*e, now, &err)) {
    s.SetExpiryLocked(*e, cur);
    return IoError(std::move(err));
  }
  s.BumpVersionLocked(*e);
  return OpStatus::kOk;
}

OpStatus CacheManager::Persist(std::string_view key) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  Entry* e = s.FindLocked(key, h, clock_.NowMs(), ev);
  if (e == nullptr) return OpStatus::kNotFound;
  if (!e->has_expiry()) return OpStatus::kNotApplied;
  const int64_t cur = e->expire_at_ms();
  s.SetExpiryLocked(*e, 0);
  std::string err;
  if (!s.CommitMetaLocked(*e, clock_.NowMs(), &err)) {
    s.SetExpiryLocked(*e, cur);
    return IoError(std::move(err));
  }
  s.BumpVersionLocked(*e);
  return OpStatus::kOk;
}

bool CacheManager::Touch(std::string_view key) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  const int64_t now = clock_.NowMs();
  Entry* e = s.FindLocked(key, h, now, ev);
  if (e == nullptr) return false;
  s.TouchLocked(*e, now);
  return true;
}

// ---------------- capacity and policy ----------------

void CacheManager::SetCapacity(uint64_t max_items, uint64_t max_bytes) {
  impl_->budget.max_items.store(max_items, std::memory_order_relaxed);
  impl_->budget.max_bytes.store(max_bytes, std::memory_order_relaxed);
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
  // Per shard, `take` evenly spread samples of its `expires` TTL'd keys, `counted` of them not yet
  // expired, with `sum` ms left: the shard holds about expires * counted / take live TTL'd keys
  // whose mean remaining TTL is sum / counted.
  double total_ms = 0, live_keys = 0;
  for (const auto& sp : shards_) {
    uint64_t sum = 0, expires = 0, take = 0, counted = 0;
    {
      std::lock_guard lock(sp->mu);
      expires = sp->expires();
      take = std::min<uint64_t>(per_shard, expires);
      const int64_t now = clock_.NowMs();
      for (uint64_t i = 0; i < take; ++i) {
        const int64_t left = sp->ttl_entry(i * expires / take).expire_at_ms() - now;
        if (left > 0) {  // already expired, not yet reclaimed: not counted
          sum += static_cast<uint64_t>(left);
          ++counted;
        }
      }
    }
    if (counted == 0) continue;
    const double scale = static_cast<double>(expires) / static_cast<double>(take);
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
