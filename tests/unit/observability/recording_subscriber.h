// A Subscriber that records (channel, message) pairs; for notifier tests.
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cairn/pubsub/pubsub_hub.h"

namespace cairn::obs_test {

using Message = std::pair<std::string, std::string>;  // channel, message

class RecordingSubscriber : public Subscriber {
 public:
  bool Deliver(MessageKind, std::string_view, std::string_view channel,
               std::string_view message) override {
    std::lock_guard lock(mu_);
    got_.emplace_back(std::string(channel), std::string(message));
    return true;
  }
  std::vector<Message> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(got_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Message> got_;
};

}  // namespace cairn::obs_test
