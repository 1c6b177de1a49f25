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

Shard::Shard(size_t index, Budget& budget, std::unique_ptr<EvictionPolicy> policy, uint64_t seed)
    : index_(index), budget_(budget), policy_(std::move(policy)), rng_(seed | 1) {}

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
      EraseLocked(e, HashKey(e->key()));  // moves the last TTL entry into expire_cursor_
    } else {
      ++expire_cursor_;
    }
  }
  return {checked, expired};
}

void Shard::ClearLocked() {
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

}  // namespace cairn
