// A minimal look-aside cache around a policy for behavioural tests: capacity in entries, a
// request is a hit (Touch) or a miss that evicts as needed and inserts, as the shard does.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "cairn/eviction/policy.h"
#include "entry_pool.h"

namespace cairn::testing {

class MiniCache {
 public:
  MiniCache(EvictionPolicy& policy, size_t capacity) : policy_(policy), capacity_(capacity) {}

  bool Request(uint64_t id) {
    ++requests_;
    auto it = index_.find(id);
    if (it != index_.end()) {
      ++hits_;
      pool_.Touch(policy_, *it->second, kT0);
      return true;
    }
    while (index_.size() >= capacity_) {
      Entry* v = policy_.PickVictim(kT0);
      if (v == nullptr) return false;
      policy_.OnErase(*v);
      index_.erase(IdOf(*v));
    }
    Entry* e = pool_.Make(id);
    index_[id] = e;
    policy_.OnInsert(*e);
    return false;
  }
  void Delete(uint64_t id) {
    auto it = index_.find(id);
    if (it == index_.end()) return;
    policy_.OnErase(*it->second);
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
  EntryPool pool_;
  std::unordered_map<uint64_t, Entry*> index_;
  uint64_t hits_ = 0, requests_ = 0;
};

}  // namespace cairn::testing
