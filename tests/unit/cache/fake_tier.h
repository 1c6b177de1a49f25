// An in-memory BackingTier for cache tests, with fault injection and a write log.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/cache/backing_tier.h"

namespace cairn::testing {

class FakeTier : public BackingTier {
 public:
  Status Write(std::span<const TierWrite> writes) override {
    std::function<void()> before;
    {
      std::lock_guard lock(mu_);
      before.swap(before_next_);
    }
    if (before) before();  // unlocked: it may call back into the cache
    std::unique_lock lock(mu_);
    if (block_next_) {  // park this write until Unblock() (mu_ is released while parked)
      block_next_ = false;
      parked_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !parked_; });
    }
    if (fail_next_ > 0) {
      --fail_next_;
      ++failed_;
      return Status::IoError("injected I/O error");
    }
    batches_.push_back(writes.size());
    for (const TierWrite& w : writes) {
      ++ops_;
      log_.push_back(std::string(w.key) + (w.is_delete ? " DEL" : "=" + std::string(w.value)));
      if (w.is_delete) {
        data_.erase(std::string(w.key));
      } else {
        data_[std::string(w.key)] = TierRecord{std::string(w.value), w.expire_at_ms, w.version};
      }
    }
    return Status();
  }
  Status Clear() override {
    std::lock_guard lock(mu_);
    data_.clear();
    return Status();
  }
  Result<std::optional<TierRecord>> Read(std::string_view key) override {
    std::lock_guard lock(mu_);
    if (fail_reads_) return Status::IoError("injected read error");
    ++reads_;
    auto it = data_.find(std::string(key));
    if (it == data_.end()) return std::optional<TierRecord>();
    return std::optional<TierRecord>(it->second);
  }

  // The next Write runs `fn` first (once), with no tier lock held.
  void BeforeNextWrite(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    before_next_ = std::move(fn);
  }
  // The next Write parks (before applying anything or failing) until Unblock().
  void BlockNextWrite() {
    std::lock_guard lock(mu_);
    block_next_ = true;
  }
  // Waits until a write is parked; false after `timeout`.
  bool WaitParked(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return parked_; });
  }
  void Unblock() {
    std::lock_guard lock(mu_);
    block_next_ = false;
    parked_ = false;
    cv_.notify_all();
  }
  // Every applied put ("key=value") and delete ("key DEL"), in the order applied.
  std::vector<std::string> log() {
    std::lock_guard lock(mu_);
    return log_;
  }
  std::optional<TierRecord> Record(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return it->second;
  }

  void FailNext(int n) {
    std::lock_guard lock(mu_);
    fail_next_ = n;
  }
  std::optional<std::string> Value(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return it->second.value;
  }
  void Put(const std::string& key, const std::string& value, int64_t expire_at_ms = 0) {
    std::lock_guard lock(mu_);
    data_[key] = TierRecord{value, expire_at_ms, 1};
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return data_.size();
  }
  size_t ops() {
    std::lock_guard lock(mu_);
    return ops_;
  }
  size_t failed() {
    std::lock_guard lock(mu_);
    return failed_;
  }
  std::vector<size_t> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool block_next_ = false, parked_ = false;
  std::function<void()> before_next_;
  std::vector<std::string> log_;
  std::map<std::string, TierRecord> data_;
  std::vector<size_t> batches_;
  int fail_next_ = 0;
  bool fail_reads_ = false;
  size_t ops_ = 0, failed_ = 0, reads_ = 0;
};

}  // namespace cairn::testing
