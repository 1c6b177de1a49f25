// CacheManager: reads, writes and expiry of keys. Routing, capacity and maintenance are in
// cache_manager.cc, the keyspace walks and snapshots in cache_manager_keyspace.cc, the write
// policy and the write-back flush in cache_manager_persistence.cc.
//
// Capacity protocol. Limits (max_items, max_bytes) are global; usage is kept in Budget (relaxed
// atomics) and per shard. A write first *reserves* its delta in the Budget, then evicts from the
// shard(s) it has locked until the Budget holds again. If those shards have nothing left to evict,
// it releases the reservation and its locks, evicts from the other shards one lock at a time
// (EvictElsewhere), and retries (at most kMaxAttempts times). Only when no shard has an
// evictable entry is the write refused (kOutOfMemory + capacity_warning). Because every increase
// is followed by the same thread evicting until the Budget holds, usage is within limits whenever
// no write is in flight; a single entry larger than max_bytes is refused up front. Every write
// that may need room runs through one driver, WriteMakingRoom (cache_manager_impl.h).
//
// Errors. A write the tier refused answers kIoError; the tier's Status (its message) is kept as
// the tier's last error (PersistState::RecordError, CacheManager::tier_error()).
#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "cache_manager_impl.h"
#include "cairn/cache/cache_manager.h"
#include "cairn/common/hash.h"
#include "cairn/events/event_bus.h"
#include "shard.h"

namespace cairn {

using cache_internal::ReserveLocked;

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
      s.TouchLocked(*e, h, now);
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
  BackingTier* tier = impl_->persist.tier.load(std::memory_order_acquire);
  Result<std::optional<TierRecord>> read = tier->Read(key);  // no lock: the tier may be slow
  if (!read.ok()) impl_->persist.RecordError(read.status());
  std::optional<TierRecord> rec = read.ok() ? std::move(*read) : std::nullopt;
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
  s.TouchLocked(*e, h, now);
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
  if (!s.CommitDeleteLocked(e, h, now)) return OpStatus::kIoError;
  ev.Add(EventType::kDelete, key, now);
  return OpStatus::kOk;
}

OpStatus CacheManager::ReserveIn(std::span<Shard* const> locked, int64_t di, int64_t db,
                                 std::span<Entry* const> protect, int64_t now, EventBatch& ev,
                                 Room& room) {
  const OpStatus r = ReserveLocked(impl_->budget, locked, di, db, protect, now, ev);
  if (r == OpStatus::kNotApplied) room = Room{di, db, true};
  return r;
}

OpStatus CacheManager::WriteOneLocked(Shard& s, std::string_view key, uint64_t h,
                                      std::string_view value, Entry* e, int64_t expire, int64_t now,
                                      EventBatch& ev, Room& room) {
  Shard* self = &s;
  const int64_t di = e == nullptr ? 1 : 0;
  const int64_t db = static_cast<int64_t>(Entry::Charge(key.size(), value.size())) -
                     (e == nullptr ? 0 : static_cast<int64_t>(e->charge()));
  Entry* protect[1] = {e};
  OpStatus r = ReserveIn({&self, 1}, di, db, {protect, e == nullptr ? 0u : 1u}, now, ev, room);
  if (r != OpStatus::kOk) return r;
  if (s.CommitWriteLocked(key, h, value, e, expire, now) == nullptr) {
    impl_->budget.Add(-di, -db);
    return OpStatus::kIoError;
  }
  ev.Add(EventType::kSet, key, now);
  return OpStatus::kOk;
}

SetResult CacheManager::Set(std::string_view key, std::string_view value, const SetOptions& opts) {
  const uint64_t h = HashKey(key);
  Shard* s = &ShardFor(h);
  SetResult result;
  result.status = WriteMakingRoom(key, {&s, 1}, [&](int64_t now, EventBatch& ev, Room& room) {
    Entry* e = s->FindLocked(key, h, now, ev);
    result.old.reset();
    if (opts.want_old && e != nullptr) result.old.emplace(e->value());
    if ((opts.cond == SetOptions::Cond::kIfAbsent && e != nullptr) ||
        (opts.cond == SetOptions::Cond::kIfPresent && e == nullptr)) {
      return OpStatus::kNotApplied;
    }
    const int64_t expire = (opts.keep_ttl && e != nullptr) ? e->expire_at_ms() : opts.expire_at_ms;
    if (expire != 0 && expire <= now) {  // written already expired: the key is gone
      return DeleteLocked(*s, e, key, h, now, ev);
    }
    return WriteOneLocked(*s, key, h, value, e, expire, now, ev, room);
  });
  return result;
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
  if (!s.CommitDeleteLocked(e, h, now)) return std::nullopt;  // the tier's error: tier_error()
  ev.Add(EventType::kDelete, key, now);
  return value;
}

OpStatus CacheManager::Mutate(std::string_view key, FunctionRef<Mutation(const Entry*)> fn) {
  const uint64_t h = HashKey(key);
  Shard* s = &ShardFor(h);
  return WriteMakingRoom(key, {&s, 1}, [&](int64_t now, EventBatch& ev, Room& room) {
    Entry* e = s->FindLocked(key, h, now, ev);
    const Mutation m = fn(e);
    if (m.kind == Mutation::Kind::kKeep) return m.status;
    const int64_t expire = m.keep_ttl ? (e != nullptr ? e->expire_at_ms() : 0) : m.expire_at_ms;
    OpStatus r = (m.kind == Mutation::Kind::kDelete || (expire != 0 && expire <= now))
                     ? DeleteLocked(*s, e, key, h, now, ev)
                     : WriteOneLocked(*s, key, h, m.value, e, expire, now, ev, room);
    return r == OpStatus::kOk ? m.status : r;
  });
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
  return WriteMakingRoom(
      pairs[order.front()].first, locked, [&](int64_t now, EventBatch& ev, Room& room) {
        protect.clear();
        int64_t di = 0, db = 0;
        for (size_t i : order) {
          Entry* e = ShardFor(hashes[i]).FindLocked(pairs[i].first, hashes[i], now, ev);
          if (e != nullptr && only_if_none_exist) return OpStatus::kNotApplied;
          existing[i] = e;
          if (e != nullptr) protect.push_back(e);
          di += e == nullptr ? 1 : 0;
          db += static_cast<int64_t>(Entry::Charge(pairs[i].first.size(), pairs[i].second.size())) -
                (e == nullptr ? 0 : static_cast<int64_t>(e->charge()));
        }
        if (OpStatus r = ReserveIn(locked, di, db, protect, now, ev, room); r != OpStatus::kOk) {
          return r;
        }
        const WriteMode mode = impl_->persist.Mode();
        if (mode == WriteMode::kWriteThrough) {  // all keys in one tier batch
          std::vector<TierWrite> batch;
          for (size_t i : order) batch.push_back({pairs[i].first, pairs[i].second, 0, 0, false});
          if (OpStatus w = WriteTier(locked, batch); w != OpStatus::kOk) {
            impl_->budget.Add(-di, -db);
            return w;
          }
        }
        for (size_t i : order) {
          ShardFor(hashes[i]).ApplyWriteLocked(mode, pairs[i].first, hashes[i], pairs[i].second,
                                               existing[i], 0, now);
          ev.Add(EventType::kSet, pairs[i].first, now);
        }
        return OpStatus::kOk;
      });
}

OpStatus CacheManager::Rename(std::string_view src, std::string_view dst, bool nx) {
  const uint64_t hs = HashKey(src), hd = HashKey(dst);
  Shard& ss = ShardFor(hs);
  Shard& ds = ShardFor(hd);
  Shard* locked[2] = {&ss, &ds};
  if (ds.index() < ss.index()) std::swap(locked[0], locked[1]);
  const size_t nlocked = &ss == &ds ? 1 : 2;
  EventBatch ev(bus_);
  cache_internal::ShardLocks locks({locked, nlocked});
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
    if (OpStatus w = WriteTier({locked, nlocked}, batch); w != OpStatus::kOk) {
      impl_->budget.Add(-(1 - freed_items), -db);
      return w;
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
  if (expire_at_ms <= now) {
    if (!s.CommitDeleteLocked(e, h, now)) return OpStatus::kIoError;
    ev.Add(EventType::kDelete, key, now);
    return OpStatus::kOk;
  }
  return s.CommitExpiryLocked(*e, expire_at_ms, now) ? OpStatus::kOk : OpStatus::kIoError;
}

OpStatus CacheManager::Persist(std::string_view key) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  Entry* e = s.FindLocked(key, h, clock_.NowMs(), ev);
  if (e == nullptr) return OpStatus::kNotFound;
  if (!e->has_expiry()) return OpStatus::kNotApplied;
  return s.CommitExpiryLocked(*e, 0, clock_.NowMs()) ? OpStatus::kOk : OpStatus::kIoError;
}

bool CacheManager::Touch(std::string_view key) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  const int64_t now = clock_.NowMs();
  Entry* e = s.FindLocked(key, h, now, ev);
  if (e == nullptr) return false;
  s.TouchLocked(*e, h, now);
  return true;
}

}  // namespace cairn
