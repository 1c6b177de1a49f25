// The set of entries a test has made resident, with O(1) add, remove, membership and random pick.
#pragma once

#include <cstddef>
#include <random>
#include <unordered_map>
#include <vector>

#include "cairn/cache/entry.h"

namespace cairn::testing {

class ResidentSet {
 public:
  void Add(Entry* e) {
    pos_[e] = items_.size();
    items_.push_back(e);
  }
  bool Contains(const Entry* e) const { return pos_.count(const_cast<Entry*>(e)) != 0; }
  // Returns false if `e` was not resident.
  bool Remove(Entry* e) {
    auto it = pos_.find(e);
    if (it == pos_.end()) return false;
    size_t i = it->second;
    pos_.erase(it);
    if (i + 1 != items_.size()) {
      items_[i] = items_.back();
      pos_[items_[i]] = i;
    }
    items_.pop_back();
    return true;
  }
  Entry* Random(std::mt19937_64& rng) const {
    return items_[std::uniform_int_distribution<size_t>(0, items_.size() - 1)(rng)];
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<Entry*> items_;
  std::unordered_map<Entry*, size_t> pos_;
};

}  // namespace cairn::testing
