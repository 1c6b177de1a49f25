#include "shard.h"

#include <malloc.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <exception>
#include <new>

#include "cairn/common/hash.h"
#include "cairn/events/event_bus.h"
#include "cairn/eviction/lfu_counter.h"

namespace cairn {

// ---- EventBatch ----

bool EventBatch::Wants(EventType t) const { return bus_ != nullptr && bus_->Wants(t); }

void EventBatch::Add(EventType t, std::string_view key, int64_t now_ms, EvictionCause cause,
                     std::string_view detail) {
  if (!Wants(t)) return;
  events_.push_back(Event{t, cause, now_ms, std::string(key), std::string(detail)});
}

void EventBatch::Publish() {
  if (events_.empty()) return;
  for (Event& e : events_) bus_->Publish(std::move(e));
  events_.clear();
}

// ---- Shard ----

Shard::Shard(size_t index, Budget& budget, PersistState& persist,
             std::unique_ptr<EvictionPolicy> policy, uint64_t seed)
    : index_(index),
      budget_(budget),
      persist_(persist),
      policy_(std::move(policy)),
      policy_floor_(static_cast<int64_t>(policy_->MetadataBytes())),
      rng_(seed | 1) {}

Shard::~Shard() {
  ClearLocked();
  budget_.meta_bytes.fetch_sub(policy_bytes_, std::memory_order_relaxed);
}

Entry* Shard::Allocate(std::string_view key, std::string_view value) {
  void* mem = std::malloc(Entry::AllocSize(key.size(), value.size()));
  if (mem == nullptr) throw std::bad_alloc();
  return Entry::Construct(mem, key, value);
}

void Shard::Free(Entry* e) {
  e->~Entry();
  std::free(e);
}

void Shard::SetExpiryLocked(Entry& e, int64_t expire_at_ms, uint64_t hash) {
  const bool expiring = expire_at_ms != 0;
  if (expiring != e.has_expiry()) {
    table_.SetExpiring(&e, hash != 0 ? hash : HashKey(e.key()), expiring);
    expiring_ += expiring ? 1 : -1;
  }
  e.set_expire_at_ms(expire_at_ms);
}

void Shard::SampleExpiring(size_t take, FunctionRef<void(const Entry&)> fn) const {
  const size_t buckets = table_.bucket_count();
  if (take == 0 || expiring_ == 0) return;
  // Home buckets evenly spread over the table, so the sample does not favour recent keys.
  const size_t stride = std::max<size_t>(1, buckets / (8 * take));
  size_t seen = 0;
  for (size_t i = 0, home = 0; i < 8 * take && i < buckets && seen < take; ++i, home += stride) {
    table_.ExpiringStep(home, [&](Entry* e) {
      if (seen++ < take) fn(*e);
    });
  }
}

Entry* Shard::FindLocked(std::string_view key, uint64_t hash, int64_t now_ms, EventBatch& ev) {
  Entry* e = table_.Find(key, hash);
  if (e == nullptr || !e->ExpiredAt(now_ms)) return e;
  ++counters_.expirations;
  ev.Add(EventType::kExpired, key, now_ms);
  if (persist_.Mode() == WriteMode::kWriteBack) MarkDeletedLocked(key, now_ms);
  EraseLocked(e, hash);
  return nullptr;
}

void Shard::TouchLocked(Entry& e, uint64_t hash, int64_t now_ms) {
  uint32_t now_s = static_cast<uint32_t>(now_ms / 1000);
  uint8_t f = lfu::Decay(e.freq(), e.last_access_s(), now_s);
  e.set_freq(lfu::LogIncr(f, rng_));
  e.set_last_access_s(now_s);
  ScopedHashHint hint(*policy_, e, hash);
  policy_->OnAccess(e);
}

namespace {

// Whether an overwrite may keep an allocation of `usable` bytes for an entry of `need` bytes: it
// must fit and be no larger than need's size class, the size the entry is charged for
// (Entry::Charge), so an entry overwritten in place occupies what it is charged. Keeping any
// larger allocation made each entry converge on the largest value its key ever held: under
// overwrites of random sizes (16..512 B) the heap grew to 1.66x what maxmemory counts
// (bench/memory_density.py --churn); keeping one up to a class larger undercounted by up to a
// class per entry.
bool FitsInPlace(size_t usable, size_t need) {
  return need <= usable && usable <= Entry::SizeClass(need);
}

}  // namespace

Entry* Shard::WriteLocked(std::string_view key, uint64_t hash, std::string_view value,
                          Entry* existing, int64_t expire_at_ms, int64_t now_ms,
                          const Entry* inherit) {
  Entry* e = existing;
  // A dirty entry stays dirty (ApplyWriteLocked decides) and stays queued once: clearing and
  // re-marking it queued the key again on every overwrite, so the flusher popped one queue slot
  // per SET instead of one per key. Only its charge in dirty_bytes follows the new value.
  const size_t dirty_charge = e != nullptr && e->dirty() ? e->charge() : 0;
  if (e != nullptr &&
      FitsInPlace(malloc_usable_size(e), Entry::AllocSize(key.size(), value.size()))) {
    // Overwrite in place: same allocation, same position in the policy.
    const size_t old_charge = e->charge();
    std::memmove(e->mutable_value(), value.data(), value.size());
    e->set_value_len(static_cast<uint32_t>(value.size()));
    bytes_ += e->charge();
    bytes_ -= old_charge;
    policy_->OnResize(*e, old_charge);
    TouchLocked(*e, hash, now_ms);
  } else if (e != nullptr) {
    Entry* fresh = Allocate(key, value);
    fresh->set_freq(e->freq());
    fresh->set_last_access_s(e->last_access_s());
    fresh->set_dirty(e->dirty());
    fresh->set_expire_at_ms(e->expire_at_ms());
    table_.Replace(e, fresh, hash);  // keeps the expiring bit
    policy_->OnReplace(*e, *fresh);
    bytes_ += fresh->charge();
    bytes_ -= e->charge();
    Free(e);
    e = fresh;
    TouchLocked(*e, hash, now_ms);
  } else {
    e = Allocate(key, value);
    e->set_freq(inherit != nullptr ? inherit->freq() : lfu::kInitVal);
    e->set_last_access_s(inherit != nullptr ? inherit->last_access_s()
                                            : static_cast<uint32_t>(now_ms / 1000));
    table_.Insert(e, hash);
    {
      ScopedHashHint hint(*policy_, *e, hash);
      policy_->OnInsert(*e);
    }
    // An insert can end one of adaptive's epochs, which re-measures its simulations: charged
    // now, not at the next eviction.
    SyncChargedPolicyBytesLocked();
    ++items_;
    bytes_ += e->charge();
  }
  e->set_version(next_version_++);
  SetExpiryLocked(*e, expire_at_ms, hash);
  ++counters_.sets;
  TouchWatchedLocked(key);
  if (dirty_charge != 0 && e->charge() != dirty_charge) {
    persist_.dirty_bytes.fetch_add(
        static_cast<int64_t>(e->charge()) - static_cast<int64_t>(dirty_charge),
        std::memory_order_relaxed);
  }
  return e;
}

void Shard::EraseLocked(Entry* e, uint64_t hash) {
  TouchWatchedLocked(e->key());
  if (e->dirty()) SetDirtyLocked(*e, false);
  {
    ScopedHashHint hint(*policy_, *e, hash);
    policy_->OnErase(*e);
  }
  table_.Remove(e, hash);
  if (e->has_expiry()) --expiring_;
  --items_;
  bytes_ -= e->charge();
  budget_.Add(-1, -static_cast<int64_t>(e->charge()));
  Free(e);
}

bool Shard::EvictOneLocked(EvictionCause cause, int64_t now_ms, EventBatch& ev,
                           std::span<Entry* const> protect, std::vector<Entry*>& detached) {
  uint32_t now_s = static_cast<uint32_t>(now_ms / 1000);
  SyncChargedPolicyBytesLocked();
  policy_->OnLimit(cause == EvictionCause::kSize ? EvictionPolicy::Limit::kBytes
                                                 : EvictionPolicy::Limit::kEntries);
  while (Entry* victim = policy_->PickVictim(now_s)) {
    if (std::find(protect.begin(), protect.end(), victim) != protect.end()) {
      policy_->OnErase(*victim);
      detached.push_back(victim);
      continue;
    }
    if (victim->dirty()) {
      // Never drop an unflushed write: write the victim to the tier first; if that fails it
      // stays (detached for this round) and another victim is tried. If an older value of it
      // is in the flush batch being written, land after it (a flush pass of thousands of keys
      // takes milliseconds: only a victim in it waits).
      if (InFlightLocked(victim->key())) WaitForFlushLocked();
      BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
      TierWrite w{victim->key(), victim->value(), victim->expire_at_ms(), victim->version(), false};
      Status st = tier != nullptr ? tier->Write({&w, 1}) : Status::Closed();
      if (!st.ok()) {
        persist_.RecordError(std::move(st));
        policy_->OnErase(*victim);
        detached.push_back(victim);
        continue;
      }
      SetDirtyLocked(*victim, false);
    }
    if (cause == EvictionCause::kItems) {
      ++counters_.evictions_items;
    } else {
      ++counters_.evictions_size;
    }
    ev.Add(EventType::kEvicted, victim->key(), now_ms, cause);
    EraseLocked(victim, HashKey(victim->key()));
    // PickVictim may have grown the policy's metadata (adaptive sizes its simulations there):
    // charged now, the caller's budget check sees it and evicts for it in the same write.
    SyncChargedPolicyBytesLocked();
    return true;
  }
  return false;
}

void Shard::ReattachLocked(std::vector<Entry*>& detached) {
  for (Entry* e : detached) policy_->OnInsert(*e);
  detached.clear();
}

std::pair<size_t, size_t> Shard::ExpireSomeLocked(size_t limit, int64_t now_ms, EventBatch& ev,
                                                  int64_t& max_lag_ms) {
  size_t checked = 0, expired = 0;
  SyncPolicyBytesLocked();
  // The sweep walks the index's home buckets in order from expire_cursor_, one chain per step,
  // and reads only the entries whose expiring bit is set. The buckets it may read per call are
  // bounded too (kSweepBuckets per key checked), so a table with few TTL'd keys costs a few KiB
  // of sequential reads per call and returns {0, 0}: its caller moves on.
  constexpr size_t kSweepBuckets = 8;
  for (size_t steps = 0; checked < limit && expiring_ != 0 && steps < kSweepBuckets * limit;
       ++steps) {
    expire_scratch_.clear();
    expire_cursor_ =
        table_.ExpiringStep(expire_cursor_, [&](Entry* e) { expire_scratch_.push_back(e); });
    for (Entry* e : expire_scratch_) {  // collected first: erasing reorders the chain
      ++checked;
      if (!e->ExpiredAt(now_ms)) continue;
      max_lag_ms = std::max(max_lag_ms, now_ms - e->expire_at_ms());
      ++counters_.expirations;
      ++counters_.active_expirations;
      ++expired;
      ev.Add(EventType::kExpired, e->key(), now_ms);
      if (persist_.Mode() == WriteMode::kWriteBack) MarkDeletedLocked(e->key(), now_ms);
      EraseLocked(e, HashKey(e->key()));
    }
  }
  return {checked, expired};
}

void Shard::ClearLocked() {
  // Pending write-back work is dropped with the data: the caller clears the tier too, so a
  // batch being written must land before that (its settling then finds nothing to clear).
  WaitForFlushLocked();
  for (auto& [key, tickets] : watched_) {  // FLUSHALL touches the watched keys that existed
    if (table_.Find(key, HashKey(key)) == nullptr) continue;
    for (WatchTicket* t : tickets) t->dirty.store(true, std::memory_order_relaxed);
  }
  table_.ForEach([&](Entry* e) {
    if (e->dirty()) SetDirtyLocked(*e, false);
  });
  AdjustDirtyCount(-static_cast<int64_t>(pending_deletes_.size()));
  pending_deletes_.clear();
  std::string().swap(dirty_arena_);
  std::vector<KeyRef>().swap(dirty_refs_);
  queue_oldest_ms_ = 0;  // what is left of a round is stale now
  round_oldest_ms_ = 0;
  policy_->Clear();
  SyncPolicyBytesLocked();
  expiring_ = 0;
  expire_cursor_ = 0;
  std::vector<Entry*>().swap(expire_scratch_);
  budget_.Add(-static_cast<int64_t>(items_), -static_cast<int64_t>(bytes_));
  items_ = 0;
  bytes_ = 0;
  table_.Clear([](Entry* e) { Free(e); });
}

void Shard::SwapPolicyLocked(std::unique_ptr<EvictionPolicy> policy) {
  // Oldest access first, so recency-ordered policies end with the most recent at the hot end.
  // The sort keys are copied into one contiguous array first: comparing through the entry
  // pointers took two cache misses per comparison (1M keys: 480 ms with the I/O thread stalled).
  struct Item {
    uint64_t when;  // last_access_s, then version order within a second (both ascending)
    uint64_t version;
    Entry* e;
  };
  std::vector<Item> order;
  order.reserve(table_.size());
  table_.ForEach([&](Entry* e) { order.push_back({e->last_access_s(), e->version(), e}); });
  std::sort(order.begin(), order.end(), [](const Item& a, const Item& b) {
    return a.when != b.when ? a.when < b.when : a.version < b.version;
  });
  const auto floor = static_cast<int64_t>(policy->MetadataBytes());
  policy_->Clear();
  for (const Item& it : order) {
    Entry* e = it.e;
    e->prev = e->next = nullptr;
    e->policy_tag = 0;
    policy->OnInsert(*e);
  }
  policy_ = std::move(policy);
  policy_floor_ = floor;
  SyncPolicyBytesLocked();
}

// ---- persistence ----

void Shard::SettleWrittenLocked(std::string_view key, uint64_t hash, uint64_t version,
                                bool is_delete) {
  if (is_delete) {
    ErasePendingDeleteLocked(key);
    return;
  }
  Entry* e = table_.Find(key, hash);
  if (e != nullptr && e->dirty() && e->version() == version) SetDirtyLocked(*e, false);
}

void Shard::WatchLocked(std::string_view key, WatchTicket* ticket) {
  auto it = watched_.find(key);
  if (it == watched_.end())
    it = watched_.emplace(std::string(key), std::vector<WatchTicket*>{}).first;
  it->second.push_back(ticket);
}

void Shard::UnwatchLocked(std::string_view key, WatchTicket* ticket) {
  auto it = watched_.find(key);
  if (it == watched_.end()) return;
  std::erase(it->second, ticket);
  if (it->second.empty()) watched_.erase(it);
}

void Shard::TouchWatchedSlowLocked(std::string_view key) {
  auto it = watched_.find(key);
  if (it == watched_.end()) return;
  for (WatchTicket* t : it->second) t->dirty.store(true, std::memory_order_relaxed);
}

void Shard::AdjustDirtyCount(int64_t d) {
  dirty_count_ = static_cast<size_t>(static_cast<int64_t>(dirty_count_) + d);
  persist_.dirty_keys.fetch_add(d, std::memory_order_relaxed);
  if (dirty_count_ == 0) queue_oldest_ms_ = round_oldest_ms_ = 0;
}

void Shard::SetDirtyLocked(Entry& e, bool dirty) {
  if (e.dirty() == dirty) return;
  e.set_dirty(dirty);
  const int64_t sign = dirty ? 1 : -1;
  AdjustDirtyCount(sign);
  persist_.dirty_bytes.fetch_add(sign * static_cast<int64_t>(e.charge()),
                                 std::memory_order_relaxed);
}

void Shard::NoteDirtyLocked(std::string_view key, int64_t now_ms) {
  if (queue_oldest_ms_ == 0) queue_oldest_ms_ = now_ms;
  dirty_refs_.push_back({dirty_arena_.size(), key.size()});
  dirty_arena_.append(key);
}

bool Shard::ErasePendingDeleteLocked(std::string_view key) {
  if (pending_deletes_.empty()) return false;
  auto it = pending_deletes_.find(key);  // heterogeneous: no std::string built
  if (it == pending_deletes_.end()) return false;
  pending_deletes_.erase(it);
  AdjustDirtyCount(-1);
  return true;
}

void Shard::MarkDirtyLocked(Entry& e, int64_t now_ms) {
  ErasePendingDeleteLocked(e.key());  // the put supersedes the pending delete
  if (e.dirty()) return;
  SetDirtyLocked(e, true);
  NoteDirtyLocked(e.key(), now_ms);
}

void Shard::MarkDeletedLocked(std::string_view key, int64_t now_ms) {
  if (pending_deletes_.emplace(key).second) {
    AdjustDirtyCount(1);
    NoteDirtyLocked(key, now_ms);
  }
}

Entry* Shard::CommitWriteLocked(std::string_view key, uint64_t hash, std::string_view value,
                                Entry* existing, int64_t expire_at_ms, int64_t now_ms,
                                const Entry* inherit) {
  const WriteMode mode = persist_.Mode();
  if (mode == WriteMode::kWriteThrough) {
    BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
    if (tier != nullptr) {
      WaitForFlushLocked();  // a batch from before a switch to write-through may be in flight
      TierWrite w{key, value, expire_at_ms, next_version_, false};
      if (Status st = tier->Write({&w, 1}); !st.ok()) {
        persist_.RecordError(std::move(st));
        return nullptr;
      }
    }
  }
  return ApplyWriteLocked(mode, key, hash, value, existing, expire_at_ms, now_ms, inherit);
}

Entry* Shard::ApplyWriteLocked(WriteMode mode, std::string_view key, uint64_t hash,
                               std::string_view value, Entry* existing, int64_t expire_at_ms,
                               int64_t now_ms, const Entry* inherit) {
  Entry* e = WriteLocked(key, hash, value, existing, expire_at_ms, now_ms, inherit);
  if (mode == WriteMode::kWriteBack) {
    MarkDirtyLocked(*e, now_ms);  // a no-op but for a pending delete when already dirty
    return e;
  }
  // Written through, or memory only: the value a flush would write is gone.
  if (e->dirty()) SetDirtyLocked(*e, false);
  if (mode == WriteMode::kWriteThrough) {
    ErasePendingDeleteLocked(key);  // written through: the tier already has the newer value
  }
  return e;
}

void Shard::ApplyDeleteLocked(WriteMode mode, Entry* e, uint64_t hash, int64_t now_ms) {
  if (mode == WriteMode::kWriteBack) MarkDeletedLocked(e->key(), now_ms);
  ++counters_.deletes;
  EraseLocked(e, hash);
}

bool Shard::CommitDeleteLocked(Entry* e, uint64_t hash, int64_t now_ms) {
  const WriteMode mode = persist_.Mode();
  if (mode == WriteMode::kWriteThrough) {
    BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
    if (tier != nullptr) {
      WaitForFlushLocked();
      TierWrite w{e->key(), {}, 0, 0, true};
      if (Status st = tier->Write({&w, 1}); !st.ok()) {
        persist_.RecordError(std::move(st));
        return false;
      }
    }
  }
  ApplyDeleteLocked(mode, e, hash, now_ms);
  return true;
}

bool Shard::CommitExpiryLocked(Entry& e, int64_t expire_at_ms, int64_t now_ms) {
  const int64_t before = e.expire_at_ms();
  SetExpiryLocked(e, expire_at_ms);
  if (!CommitMetaLocked(e, now_ms)) {
    SetExpiryLocked(e, before);
    return false;
  }
  BumpVersionLocked(e);
  return true;
}

bool Shard::CommitMetaLocked(Entry& e, int64_t now_ms) {
  const WriteMode mode = persist_.Mode();
  if (mode == WriteMode::kWriteThrough) {
    BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
    if (tier != nullptr) {
      WaitForFlushLocked();
      TierWrite w{e.key(), e.value(), e.expire_at_ms(), e.version(), false};
      if (Status st = tier->Write({&w, 1}); !st.ok()) {
        persist_.RecordError(std::move(st));
        return false;
      }
    }
  } else if (mode == WriteMode::kWriteBack) {
    MarkDirtyLocked(e, now_ms);
  }
  return true;
}

}  // namespace cairn
