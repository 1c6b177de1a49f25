// OwnedBatch: a batch of StoreOps that owns the bytes they view (StoreOp holds views), so a
// test can build a batch from temporaries: OwnedBatch().Put("k", Rec("v", 1)).Delete("gone").
#pragma once

#include <deque>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cairn/persistence/backing_store.h"

namespace cairn::testing {

class OwnedBatch {
 public:
  OwnedBatch& Put(std::string key, StoredRecord record) {
    ops_.push_back(StoreOp::Put(Keep(std::move(key)), records_.emplace_back(std::move(record))));
    return *this;
  }
  OwnedBatch& Delete(std::string key) {
    ops_.push_back(StoreOp::Delete(Keep(std::move(key))));
    return *this;
  }
  operator std::span<const StoreOp>() const { return ops_; }  // NOLINT: used as a batch
  size_t size() const { return ops_.size(); }

 private:
  const std::string& Keep(std::string key) { return keys_.emplace_back(std::move(key)); }

  std::deque<std::string> keys_;  // a deque never moves its elements: the views stay valid
  std::deque<StoredRecord> records_;
  std::vector<StoreOp> ops_;
};

}  // namespace cairn::testing
