// A minimal look-aside cache around a policy for behavioural tests: capacity in entries (or,
// with byte_capacity, in Entry::charge() bytes, as maxmemory), a request is a hit (Touch) or a
// miss that evicts as needed and inserts, as the shard does.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "cairn/eviction/policy.h"
#include "entry_pool.h"

namespace cairn::testing {

class MiniCache {
 public:
  MiniCache(EvictionPolicy& policy, size_t capacity, uint64_t byte_capacity = 0)
      : policy_(policy), capacity_(capacity), byte_capacity_(byte_capacity) {}

  // `value_len`: the value's size if the request misses and inserts.
  bool Request(uint64_t id, size_t value_len = 1) {
    ++requests_;
    auto it = index_.find(id);
    if (it != index_.end()) {
      ++hits_;
      pool_.Touch(policy_, *it->second, kT0);
      return true;
    }
    const size_t charge = Entry::Charge(("key:" + std::to_string(id)).size(), value_len);
    while (index_.size() >= capacity_ ||
           (byte_capacity_ != 0 && bytes_ + charge > byte_capacity_)) {
      policy_.OnLimit(index_.size() >= capacity_ ? EvictionPolicy::Limit::kEntries
                                                 : EvictionPolicy::Limit::kBytes);
      Entry* v = policy_.PickVictim(kT0);
      if (v == nullptr) return false;
      policy_.OnErase(*v);
      bytes_ -= v->charge();
      index_.erase(IdOf(*v));
    }
    Entry* e = pool_.MakeSized("key:" + std::to_string(id), value_len);
    bytes_ += e->charge();
    index_[id] = e;
    policy_.OnInsert(*e);
    return false;
  }
  void Delete(uint64_t id) {
    auto it = index_.find(id);
    if (it == index_.end()) return;
    policy_.OnErase(*it->second);
    bytes_ -= it->second->charge();
    index_.erase(it);
  }
  bool Contains(uint64_t id) const { return index_.count(id) != 0; }
  size_t size() const { return index_.size(); }
  double HitRatio() const { return requests_ == 0 ? 0 : static_cast<double>(hits_) / requests_; }
  void ResetStats() { hits_ = requests_ = 0; }
  const std::unordered_map<uint64_t, Entry*>& index() const { return index_; }

 private:
  static uint64_t IdOf(const Entry& e) { return std::stoull(std::string(e.key().substr(4))); }

  EvictionPolicy& policy_;
  size_t capacity_;
  uint64_t byte_capacity_;
  uint64_t bytes_ = 0;
  EntryPool pool_;
  std::unordered_map<uint64_t, Entry*> index_;
  uint64_t hits_ = 0, requests_ = 0;
};

}  // namespace cairn::testing
