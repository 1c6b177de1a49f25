#include "cairn/events/event_bus.h"

#include <gtest/gtest.h>

#include <mutex>

namespace cairn {
namespace {

Event Make(EventType t, std::string key) {
  Event e;
  e.type = t;
  e.key = std::move(key);
  return e;
}

TEST(EventBusTest, WantsReflectsSubscriptions) {
  EventBus bus;
  EXPECT_FALSE(bus.Wants(EventType::kSet));
  auto id =
      bus.Subscribe(MaskOf(EventType::kSet) | MaskOf(EventType::kEvicted), [](const Event&) {});
  EXPECT_TRUE(bus.Wants(EventType::kSet));
  EXPECT_TRUE(bus.Wants(EventType::kEvicted));
  EXPECT_FALSE(bus.Wants(EventType::kHit));
  bus.Unsubscribe(id);
  EXPECT_FALSE(bus.Wants(EventType::kSet));
}

TEST(EventBusTest, DeliversInOrderOnlyWhatEachSubscriberAskedFor) {
  EventBus bus;
  std::mutex mu;
  std::vector<std::string> sets, all;
  bus.Subscribe(MaskOf(EventType::kSet), [&](const Event& e) {
    std::lock_guard lock(mu);
    sets.push_back(e.key);
  });
  bus.Subscribe(kAllEvents, [&](const Event& e) {
    std::lock_guard lock(mu);
    all.push_back(std::string(ToString(e.type)) + ":" + e.key);
  });
  bus.Publish(Make(EventType::kSet, "a"));
  bus.Publish(Make(EventType::kHit, "a"));
  bus.Publish(Make(EventType::kSet, "b"));
  bus.Drain();
  std::lock_guard lock(mu);
  EXPECT_EQ(sets, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(all, (std::vector<std::string>{"set:a", "hit:a", "set:b"}));
  EXPECT_EQ(bus.published(), 3u);
}

TEST(EventBusTest, UnwantedEventsAreNotQueued) {
  EventBus bus;
  bus.Subscribe(MaskOf(EventType::kExpired), [](const Event&) {});
  bus.Publish(Make(EventType::kHit, "x"));
  EXPECT_EQ(bus.published(), 0u);
}

TEST(EventBusTest, ThrowingSubscriberIsCountedAndOthersStillServed) {
  EventBus bus;
  std::atomic<int> got{0};
  bus.Subscribe(kAllEvents, [](const Event&) { throw std::runtime_error("x"); });
  bus.Subscribe(kAllEvents, [&](const Event&) { ++got; });
  for (int i = 0; i < 5; ++i) bus.Publish(Make(EventType::kDelete, "k"));
  bus.Drain();
  EXPECT_EQ(got.load(), 5);
  EXPECT_EQ(bus.handler_errors(), 5u);
}

TEST(EventBusTest, FullQueueDropsInsteadOfBlocking) {
  EventBus bus(4);
  std::atomic<bool> release{false};
  bus.Subscribe(kAllEvents, [&](const Event&) {
    while (!release.load()) std::this_thread::yield();
  });
  for (int i = 0; i < 100; ++i) bus.Publish(Make(EventType::kSet, "k"));  // returns at once
  EXPECT_GT(bus.dropped(), 0u);
  EXPECT_LE(bus.published(), 100u - bus.dropped());
  release = true;
  bus.Drain();
}

}  // namespace
}  // namespace cairn
