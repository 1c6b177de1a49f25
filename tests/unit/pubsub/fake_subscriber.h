// A Subscriber for tests: records what it receives; can refuse after `capacity` messages, like
// a session whose output buffer is over its limit.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/pubsub/pubsub_hub.h"

namespace cairn::pubsub_test {

struct Received {
  MessageKind kind;
  std::string pattern, channel, message;
  bool operator==(const Received&) const = default;
};

class FakeSubscriber : public Subscriber {
 public:
  explicit FakeSubscriber(size_t capacity = SIZE_MAX, bool keep = true)
      : capacity_(capacity), keep_(keep) {}

  bool Deliver(MessageKind kind, std::string_view pattern, std::string_view channel,
               std::string_view message) override {
    calls_.fetch_add(1, std::memory_order_relaxed);
    if (gone_.load(std::memory_order_relaxed)) delivered_after_remove_.store(true);
    if (!keep_) return true;
    std::lock_guard lock(mu_);
    if (got_.size() >= capacity_) return false;
    got_.push_back({kind, std::string(pattern), std::string(channel), std::string(message)});
    return true;
  }

  std::vector<Received> got() const {
    std::lock_guard lock(mu_);
    return got_;
  }
  size_t calls() const { return calls_.load(); }
  void MarkGone() { gone_.store(true); }
  bool delivered_after_remove() const { return delivered_after_remove_.load(); }

 private:
  const size_t capacity_;
  const bool keep_;  // false: only count calls
  mutable std::mutex mu_;
  std::vector<Received> got_;
  std::atomic<size_t> calls_{0};
  std::atomic<bool> gone_{false};
  std::atomic<bool> delivered_after_remove_{false};
};

}  // namespace cairn::pubsub_test
