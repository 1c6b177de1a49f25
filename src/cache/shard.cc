#include "shard.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
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
    : index_(index), budget_(budget), persist_(persist), policy_(std::move(policy)), rng_(seed | 1) {}

Shard::~Shard() { ClearLocked(); }

Entry* Shard::Allocate(std::string_view key, std::string_view value) {
  void* mem = std::malloc(Entry::AllocSize(key.size(), value.size()));
  if (mem == nullptr) throw std::bad_alloc();
  return Entry::Construct(mem, key, value);
}

void Shard::Free(Entry* e) {
  e->~Entry();
  std::free(e);
}

void Shard::AddTtl(Entry& e) {
  e.set_ttl_pos(static_cast<uint32_t>(ttl_.size()));
  ttl_.push_back(&e);
}

void Shard::RemoveTtl(Entry& e) {
  uint32_t pos = e.ttl_pos();
  if (pos == Entry::kNoTtlPos) return;
  Entry* last = ttl_.back();
  ttl_[pos] = last;
  last->set_ttl_pos(pos);
  ttl_.pop_back();
  e.set_ttl_pos(Entry::kNoTtlPos);
}

void Shard::SetExpiryLocked(Entry& e, int64_t expire_at_ms) {
  if (expire_at_ms != 0 && !e.has_expiry()) AddTtl(e);
  if (expire_at_ms == 0 && e.has_expiry()) RemoveTtl(e);
  e.set_expire_at_ms(expire_at_ms);
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

void Shard::TouchLocked(Entry& e, int64_t now_ms) {
  uint32_t now_s = static_cast<uint32_t>(now_ms / 1000);
  uint8_t f = lfu::Decay(e.freq(), e.last_access_s(), now_s);
  e.set_freq(lfu::LogIncr(f, rng_));
  e.set_last_access_s(now_s);
  policy_->OnAccess(e);
}

Entry* Shard::WriteLocked(std::string_view key, uint64_t hash, std::string_view value,
                          Entry* existing, int64_t expire_at_ms, int64_t now_ms,
                          const Entry* inherit) {
  Entry* e = existing;
  if (e != nullptr && e->dirty()) SetDirtyLocked(*e, false);  // the caller re-marks if needed
  if (e != nullptr && malloc_usable_size(e) >= Entry::AllocSize(key.size(), value.size())) {
    // Overwrite in place: same allocation, same position in the policy.
    bytes_ += value.size();
    bytes_ -= e->value_len();
    std::memmove(e->mutable_value(), value.data(), value.size());
    e->set_value_len(static_cast<uint32_t>(value.size()));
    TouchLocked(*e, now_ms);
  } else if (e != nullptr) {
    Entry* fresh = Allocate(key, value);
    fresh->set_freq(e->freq());
    fresh->set_last_access_s(e->last_access_s());
    fresh->set_dirty(e->dirty());
    if (e->has_expiry()) {
      fresh->set_expire_at_ms(e->expire_at_ms());
      fresh->set_ttl_pos(e->ttl_pos());
      ttl_[e->ttl_pos()] = fresh;
    }
    table_.Replace(e, fresh, hash);
    policy_->OnReplace(*e, *fresh);
    bytes_ += fresh->charge();
    bytes_ -= e->charge();
    Free(e);
    e = fresh;
    TouchLocked(*e, now_ms);
  } else {
    e = Allocate(key, value);
    e->set_freq(inherit != nullptr ? inherit->freq() : lfu::kInitVal);
    e->set_last_access_s(inherit != nullptr ? inherit->last_access_s()
                                            : static_cast<uint32_t>(now_ms / 1000));
    table_.Insert(e, hash);
    policy_->OnInsert(*e);
    ++items_;
    bytes_ += e->charge();
  }
  e->set_version(next_version_++);
  SetExpiryLocked(*e, expire_at_ms);
  ++counters_.sets;
  return e;
}

void Shard::EraseLocked(Entry* e, uint64_t hash) {
  if (e->dirty()) SetDirtyLocked(*e, false);
  policy_->OnErase(*e);
  table_.Remove(e, hash);
  RemoveTtl(*e);
  --items_;
  bytes_ -= e->charge();
  budget_.Add(-1, -static_cast<int64_t>(e->charge()));
  Free(e);
}

bool Shard::EvictOneLocked(EvictionCause cause, int64_t now_ms, EventBatch& ev,
                           std::span<Entry* const> protect, std::vector<Entry*>& detached) {
  uint32_t now_s = static_cast<uint32_t>(now_ms / 1000);
  while (Entry* victim = policy_->PickVictim(now_s)) {
    if (std::find(protect.begin(), protect.end(), victim) != protect.end()) {
      policy_->OnErase(*victim);
      detached.push_back(victim);
      continue;
    }
    if (victim->dirty()) {
      // Never drop an unflushed write: write the victim to the tier first; if that fails it
      // stays (detached for this round) and another victim is tried.
      BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
      TierWrite w{victim->key(), victim->value(), victim->expire_at_ms(), victim->version(), false};
      if (tier == nullptr || !tier->Write({&w, 1}).empty()) {
        persist_.tier_errors.fetch_add(1, std::memory_order_relaxed);
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
  while (checked < limit && !ttl_.empty()) {
    if (expire_cursor_ >= ttl_.size()) expire_cursor_ = 0;
    Entry* e = ttl_[expire_cursor_];
    ++checked;
    if (e->ExpiredAt(now_ms)) {
      max_lag_ms = std::max(max_lag_ms, now_ms - e->expire_at_ms());
      ++counters_.expirations;
      ++counters_.active_expirations;
      ++expired;
      ev.Add(EventType::kExpired, e->key(), now_ms);
      if (persist_.Mode() == WriteMode::kWriteBack) MarkDeletedLocked(e->key(), now_ms);
      EraseLocked(e, HashKey(e->key()));  // moves the last TTL entry into expire_cursor_
    } else {
      ++expire_cursor_;
    }
  }
  return {checked, expired};
}

void Shard::ClearLocked() {
  // Pending write-back work is dropped with the data: the caller clears the tier too.
  table_.ForEach([&](Entry* e) {
    if (e->dirty()) SetDirtyLocked(*e, false);
  });
  AdjustDirtyCount(-static_cast<int64_t>(pending_deletes_.size()));
  pending_deletes_.clear();
  dirty_keys_.clear();
  dirty_keys_.shrink_to_fit();
  oldest_dirty_ms_ = 0;
  policy_->Clear();
  ttl_.clear();
  ttl_.shrink_to_fit();
  expire_cursor_ = 0;
  budget_.Add(-static_cast<int64_t>(items_), -static_cast<int64_t>(bytes_));
  items_ = 0;
  bytes_ = 0;
  table_.Clear([](Entry* e) { Free(e); });
}

void Shard::SwapPolicyLocked(std::unique_ptr<EvictionPolicy> policy) {
  std::vector<Entry*> order;
  order.reserve(table_.size());
  table_.ForEach([&](Entry* e) { order.push_back(e); });
  // Oldest access first, so recency-ordered policies end with the most recent at the hot end.
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    if (a->last_access_s() != b->last_access_s()) return a->last_access_s() < b->last_access_s();
    return a->version() < b->version();
  });
  policy_->Clear();
  for (Entry* e : order) {
    e->prev = e->next = nullptr;
    e->policy_tag = 0;
    policy->OnInsert(*e);
  }
  policy_ = std::move(policy);
}

// ---- persistence ----

void Shard::AdjustDirtyCount(int64_t d) {
  dirty_count_ = static_cast<size_t>(static_cast<int64_t>(dirty_count_) + d);
  persist_.dirty_keys.fetch_add(d, std::memory_order_relaxed);
  if (dirty_count_ == 0) oldest_dirty_ms_ = 0;
}

void Shard::SetDirtyLocked(Entry& e, bool dirty) {
  if (e.dirty() == dirty) return;
  e.set_dirty(dirty);
  const int64_t sign = dirty ? 1 : -1;
  AdjustDirtyCount(sign);
  persist_.dirty_bytes.fetch_add(sign * static_cast<int64_t>(e.charge()),
                                 std::memory_order_relaxed);
}

void Shard::NoteDirtyLocked(std::string key, int64_t now_ms) {
  if (dirty_keys_.empty() && oldest_dirty_ms_ == 0) oldest_dirty_ms_ = now_ms;
  dirty_keys_.push_back(std::move(key));
}

void Shard::MarkDirtyLocked(Entry& e, int64_t now_ms) {
  if (!pending_deletes_.empty() && pending_deletes_.erase(std::string(e.key())) != 0) {
    AdjustDirtyCount(-1);  // the put supersedes the pending delete
  }
  if (e.dirty()) return;
  SetDirtyLocked(e, true);
  NoteDirtyLocked(std::string(e.key()), now_ms);
}

void Shard::MarkDeletedLocked(std::string_view key, int64_t now_ms) {
  if (pending_deletes_.emplace(key).second) {
    AdjustDirtyCount(1);
    NoteDirtyLocked(std::string(key), now_ms);
  }
}

Entry* Shard::CommitWriteLocked(std::string_view key, uint64_t hash, std::string_view value,
                                Entry* existing, int64_t expire_at_ms, int64_t now_ms,
                                std::string* error, const Entry* inherit) {
  const WriteMode mode = persist_.Mode();
  if (mode == WriteMode::kWriteThrough) {
    BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
    if (tier != nullptr) {
      TierWrite w{key, value, expire_at_ms, next_version_, false};
      std::string err = tier->Write({&w, 1});
      if (!err.empty()) {
        persist_.tier_errors.fetch_add(1, std::memory_order_relaxed);
        if (error != nullptr) *error = std::move(err);
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
    MarkDirtyLocked(*e, now_ms);
  } else if (mode == WriteMode::kWriteThrough && !pending_deletes_.empty() &&
             pending_deletes_.erase(std::string(key)) != 0) {
    AdjustDirtyCount(-1);  // written through: the tier already has the newer value
  }
  return e;
}

void Shard::ApplyDeleteLocked(WriteMode mode, Entry* e, uint64_t hash, int64_t now_ms) {
  if (mode == WriteMode::kWriteBack) MarkDeletedLocked(e->key(), now_ms);
  ++counters_.deletes;
  EraseLocked(e, hash);
}

bool Shard::CommitDeleteLocked(Entry* e, uint64_t hash, int64_t now_ms, std::string* error) {
  const WriteMode mode = persist_.Mode();
  if (mode == WriteMode::kWriteThrough) {
    BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
    if (tier != nullptr) {
      TierWrite w{e->key(), {}, 0, 0, true};
      std::string err = tier->Write({&w, 1});
      if (!err.empty()) {
        persist_.tier_errors.fetch_add(1, std::memory_order_relaxed);
        if (error != nullptr) *error = std::move(err);
        return false;
      }
    }
  }
  ApplyDeleteLocked(mode, e, hash, now_ms);
  return true;
}

bool Shard::CommitMetaLocked(Entry& e, int64_t now_ms, std::string* error) {
  const WriteMode mode = persist_.Mode();
  if (mode == WriteMode::kWriteThrough) {
    BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
    if (tier != nullptr) {
      TierWrite w{e.key(), e.value(), e.expire_at_ms(), e.version(), false};
      std::string err = tier->Write({&w, 1});
      if (!err.empty()) {
        persist_.tier_errors.fetch_add(1, std::memory_order_relaxed);
        if (error != nullptr) *error = std::move(err);
        return false;
      }
    }
  } else if (mode == WriteMode::kWriteBack) {
    MarkDirtyLocked(e, now_ms);
  }
  return true;
}

size_t Shard::FlushDirtyLocked(size_t max, std::string* error) {
  BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
  if (dirty_keys_.empty() || tier == nullptr) return 0;
  const size_t take = std::min(max, dirty_keys_.size());
  std::vector<std::string> keys(std::make_move_iterator(dirty_keys_.end() - take),
                                std::make_move_iterator(dirty_keys_.end()));
  dirty_keys_.resize(dirty_keys_.size() - take);
  std::vector<TierWrite> batch;
  std::vector<Entry*> flushed;
  std::vector<const std::string*> deleted;
  batch.reserve(keys.size());
  for (const std::string& k : keys) {
    Entry* e = table_.Find(k, HashKey(k));
    if (e != nullptr && e->dirty()) {
      if (std::find(flushed.begin(), flushed.end(), e) != flushed.end()) continue;
      batch.push_back({e->key(), e->value(), e->expire_at_ms(), e->version(), false});
      flushed.push_back(e);
    } else if (e != nullptr && pending_deletes_.erase(k) != 0) {
      AdjustDirtyCount(-1);  // superseded by a write-through of the new value
    } else if (e == nullptr && pending_deletes_.count(k) != 0) {
      bool dup = false;
      for (const std::string* d : deleted) dup = dup || *d == k;
      if (dup) continue;
      batch.push_back({k, {}, 0, 0, true});
      deleted.push_back(&k);
    }
  }
  if (!batch.empty()) {
    std::string err = tier->Write(batch);
    if (!err.empty()) {
      persist_.tier_errors.fetch_add(1, std::memory_order_relaxed);
      for (std::string& k : keys) dirty_keys_.push_back(std::move(k));
      if (error != nullptr) *error = std::move(err);
      return 0;
    }
  }
  for (Entry* e : flushed) SetDirtyLocked(*e, false);
  for (const std::string* k : deleted) {
    pending_deletes_.erase(*k);
    AdjustDirtyCount(-1);
  }
  if (dirty_keys_.empty()) oldest_dirty_ms_ = 0;
  return batch.size();
}

}  // namespace cairn
