// CommandTest with the observability bundle wired like main.cc: a pub/sub hub, a keyspace
// notifier (commands name their own events), a slowlog on the test's ManualClock and a MONITOR
// feed. Connections get a recording Subscriber, as a session would be.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "cairn/command/observability.h"
#include "cairn/events/event_bus.h"
#include "cairn/observability/keyspace_notifier.h"
#include "cairn/observability/slowlog.h"
#include "cairn/pubsub/monitor_feed.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "command_fixture.h"

namespace cairn::test {

// Records deliveries as (channel or pattern|channel, message); kMonitor as ("raw", bytes).
class Recorder final : public Subscriber {
 public:
  struct Msg {
    std::string where;
    std::string what;
    bool operator==(const Msg&) const = default;
  };
  bool Deliver(MessageKind kind, std::string_view pattern, std::string_view channel,
               std::string_view message) override {
    std::lock_guard lock(mu_);
    std::string where = kind == MessageKind::kMonitor ? std::string("raw") : std::string(channel);
    if (kind == MessageKind::kPMessage) where = std::string(pattern) + "|" + where;
    got_.push_back({std::move(where), std::string(message)});
    return true;
  }
  std::vector<Msg> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(got_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Msg> got_;
};

inline KeyspaceNotifier::Options CommandEvents() {
  KeyspaceNotifier::Options o;
  o.writes_from_bus = false;
  o.cairn_events = false;
  return o;
}

class ObservabilityCommandTest : public CommandTest {
 protected:
  ObservabilityCommandTest() {
    obs_.pubsub = &hub_;
    obs_.notifier = &notifier_;
    obs_.slowlog = &slowlog_;
    obs_.monitors = &monitors_;
    server_.observability_ = &obs_;
    client_.subscriber = &mine_;
    client_.addr = "10.0.0.1:1111";
    other_.subscriber = &theirs_;
    other_.addr = "10.0.0.2:2222";
  }
  ~ObservabilityCommandTest() override {
    hub_.Remove(&mine_);
    hub_.Remove(&theirs_);
    hub_.Remove(&watcher_);
    monitors_.Remove(&mine_);
  }
  std::string Other(const std::vector<std::string_view>& args) { return RunAs(other_, args); }

  static std::string Sub(std::string_view kind, std::string_view channel, int64_t count) {
    return Arr({Bulk(kind), Bulk(channel), Int(count)});
  }

  EventBus bus_;
  PubSubHub hub_;
  KeyspaceNotifier notifier_{bus_, hub_, CommandEvents()};
  SlowLog slowlog_{clock_, -1, 128};
  MonitorFeed monitors_;
  Observability obs_;
  Recorder mine_, theirs_, watcher_;
  ClientState other_;
};

}  // namespace cairn::test
