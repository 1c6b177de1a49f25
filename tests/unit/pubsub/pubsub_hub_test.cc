#include "cairn/pubsub/pubsub_hub.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "fake_subscriber.h"

namespace cairn {
namespace {

using pubsub_test::FakeSubscriber;
using pubsub_test::Received;
using ::testing::ElementsAre;

TEST(PubSubHubTest, PublishWithoutSubscribersReachesNobody) {
  PubSubHub hub;
  EXPECT_FALSE(hub.HasSubscriptions());
  EXPECT_EQ(hub.Publish("news", "hello"), 0);
}

TEST(PubSubHubTest, FansOutToEveryChannelSubscriberInOrder) {
  PubSubHub hub;
  FakeSubscriber a, b, c, other;
  for (FakeSubscriber* s : {&a, &b, &c}) EXPECT_TRUE(hub.Subscribe(s, "news").changed);
  hub.Subscribe(&other, "sports");
  EXPECT_EQ(hub.Publish("news", "one"), 3);
  EXPECT_EQ(hub.Publish("news", "two"), 3);
  for (FakeSubscriber* s : {&a, &b, &c}) {
    EXPECT_EQ(s->got(), (std::vector<Received>{{MessageKind::kMessage, "", "news", "one"},
                                               {MessageKind::kMessage, "", "news", "two"}}));
  }
  EXPECT_TRUE(other.got().empty());
  EXPECT_EQ(hub.Publish("sports", "goal"), 1);
}

TEST(PubSubHubTest, SubscribeCountsChannelsAndPatternsAndIgnoresDuplicates) {
  PubSubHub hub;
  FakeSubscriber s;
  EXPECT_EQ(hub.Subscribe(&s, "a").count, 1u);
  EXPECT_EQ(hub.Subscribe(&s, "b").count, 2u);
  SubscribeResult again = hub.Subscribe(&s, "a");
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.count, 2u);
  EXPECT_EQ(hub.PSubscribe(&s, "a*").count, 3u);
  EXPECT_EQ(hub.SubscriptionCount(&s), 3u);
  // Only one delivery per channel subscription even after the duplicate subscribe.
  EXPECT_EQ(hub.Publish("b", "x"), 1);

  SubscribeResult r = hub.Unsubscribe(&s, "a");
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.count, 2u);
  r = hub.Unsubscribe(&s, "never");
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(r.count, 2u);
  r = hub.PUnsubscribe(&s, "a*");
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.count, 1u);
  EXPECT_EQ(hub.Unsubscribe(&s, "b").count, 0u);
  EXPECT_FALSE(hub.HasSubscriptions());
}

TEST(PubSubHubTest, PatternsMatchWithGlobAndCarryThePattern) {
  PubSubHub hub;
  FakeSubscriber s, both;
  hub.PSubscribe(&s, "news.*");
  hub.PSubscribe(&s, "h?llo");
  hub.PSubscribe(&both, "news.*");
  hub.Subscribe(&both, "news.tech");

  EXPECT_EQ(hub.Publish("news.tech", "m1"), 3);  // s via pattern, both via channel and pattern
  EXPECT_EQ(hub.Publish("hallo", "m2"), 1);
  EXPECT_EQ(hub.Publish("news", "m3"), 0);  // "news.*" needs the dot
  EXPECT_EQ(s.got(), (std::vector<Received>{{MessageKind::kPMessage, "news.*", "news.tech", "m1"},
                                            {MessageKind::kPMessage, "h?llo", "hallo", "m2"}}));
  EXPECT_EQ(both.got(),
            (std::vector<Received>{{MessageKind::kMessage, "", "news.tech", "m1"},
                                   {MessageKind::kPMessage, "news.*", "news.tech", "m1"}}));
}

TEST(PubSubHubTest, UnsubscribeAllReturnsSortedNamesAndStopsDelivery) {
  PubSubHub hub;
  FakeSubscriber s;
  hub.Subscribe(&s, "c");
  hub.Subscribe(&s, "a");
  hub.Subscribe(&s, "b");
  hub.PSubscribe(&s, "z*");
  hub.PSubscribe(&s, "y*");
  EXPECT_THAT(hub.UnsubscribeAll(&s), ElementsAre("a", "b", "c"));
  EXPECT_EQ(hub.SubscriptionCount(&s), 2u);
  EXPECT_EQ(hub.Publish("a", "x"), 0);
  EXPECT_EQ(hub.Publish("zz", "x"), 1);
  EXPECT_THAT(hub.PUnsubscribeAll(&s), ElementsAre("y*", "z*"));
  EXPECT_EQ(hub.SubscriptionCount(&s), 0u);
  EXPECT_TRUE(hub.UnsubscribeAll(&s).empty());
  EXPECT_TRUE(hub.Channels().empty());
  EXPECT_EQ(hub.NumPat(), 0u);
  EXPECT_FALSE(hub.HasSubscriptions());
}

TEST(PubSubHubTest, IntrospectionMatchesPubsubCommand) {
  PubSubHub hub;
  FakeSubscriber a, b;
  hub.Subscribe(&a, "news.tech");
  hub.Subscribe(&b, "news.tech");
  hub.Subscribe(&a, "news.art");
  hub.Subscribe(&b, "weather");
  hub.PSubscribe(&a, "news.*");
  hub.PSubscribe(&b, "news.*");  // same pattern: NUMPAT counts distinct patterns
  hub.PSubscribe(&b, "w*");

  EXPECT_THAT(hub.Channels(), ElementsAre("news.art", "news.tech", "weather"));
  EXPECT_THAT(hub.Channels("news.*"), ElementsAre("news.art", "news.tech"));
  EXPECT_TRUE(hub.Channels("nothing*").empty());
  EXPECT_EQ(hub.NumSub("news.tech"), 2u);
  EXPECT_EQ(hub.NumSub("weather"), 1u);
  EXPECT_EQ(hub.NumSub("unknown"), 0u);
  EXPECT_EQ(hub.NumPat(), 2u);
  EXPECT_EQ(hub.NumChannels(), 3u);

  hub.Remove(&b);
  EXPECT_THAT(hub.Channels(), ElementsAre("news.art", "news.tech"));
  EXPECT_EQ(hub.NumSub("news.tech"), 1u);
  EXPECT_EQ(hub.NumPat(), 1u);
  EXPECT_EQ(hub.SubscriptionCount(&b), 0u);
}

TEST(PubSubHubTest, SlowSubscriberIsDroppedWhileOthersKeepReceiving) {
  PubSubHub hub;
  FakeSubscriber fast1, fast2;
  FakeSubscriber slow(/*capacity=*/2);
  hub.Subscribe(&fast1, "ch");
  hub.Subscribe(&slow, "ch");
  hub.PSubscribe(&slow, "c*");
  hub.Subscribe(&fast2, "ch");

  // Message 1 fills slow's buffer (2 deliveries: channel and pattern); message 2 is refused.
  EXPECT_EQ(hub.Publish("ch", "1"), 4);
  EXPECT_EQ(hub.Publish("ch", "2"), 2);
  EXPECT_EQ(hub.slow_subscriber_disconnections(), 1u);
  EXPECT_EQ(hub.SubscriptionCount(&slow), 0u);
  EXPECT_EQ(hub.NumSub("ch"), 2u);
  EXPECT_EQ(hub.NumPat(), 0u);
  const size_t calls = slow.calls();
  EXPECT_EQ(calls, 3u);  // the refusal ended the second message's fan-out to it
  for (int i = 3; i <= 10; ++i) EXPECT_EQ(hub.Publish("ch", std::to_string(i)), 2);
  EXPECT_EQ(slow.calls(), calls);  // never asked again
  EXPECT_EQ(fast1.got().size(), 10u);
  EXPECT_EQ(fast2.got().size(), 10u);
  EXPECT_EQ(fast2.got().back().message, "10");

  // The same subscriber may subscribe again (a new connection at the same address).
  EXPECT_EQ(hub.Subscribe(&slow, "ch").count, 1u);
  EXPECT_EQ(hub.NumSub("ch"), 3u);
}

TEST(PubSubHubTest, ConcurrentPublishersDeliverEveryMessage) {
  PubSubHub hub;
  constexpr int kSubs = 4, kThreads = 4, kPerThread = 2000;
  std::vector<FakeSubscriber> subs(kSubs);
  for (auto& s : subs) hub.Subscribe(&s, "ch");
  std::atomic<int64_t> receivers{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        receivers += hub.Publish("ch", std::to_string(t) + ":" + std::to_string(i));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(receivers.load(), int64_t{kSubs} * kThreads * kPerThread);
  for (auto& s : subs) {
    std::vector<Received> got = s.got();
    ASSERT_EQ(got.size(), size_t{kThreads} * kPerThread);
    // Per publisher, messages arrive in publish order.
    std::vector<int> next(kThreads, 0);
    for (const Received& r : got) {
      const int t = std::stoi(r.message.substr(0, r.message.find(':')));
      EXPECT_EQ(std::stoi(r.message.substr(r.message.find(':') + 1)), next[t]++);
    }
  }
}

TEST(PubSubHubTest, NoDeliveryStartsAfterRemoveReturns) {
  PubSubHub hub;
  FakeSubscriber steady(SIZE_MAX, /*keep=*/false);
  hub.Subscribe(&steady, "ch");
  std::atomic<bool> stop{false};
  std::vector<std::thread> publishers;
  for (int t = 0; t < 2; ++t) {
    publishers.emplace_back([&] {
      while (!stop.load()) hub.Publish("ch", "m");
    });
  }
  size_t steady_before = 0;
  for (int round = 0; round < 300; ++round) {
    auto s = std::make_unique<FakeSubscriber>(SIZE_MAX, /*keep=*/false);
    hub.Subscribe(s.get(), "ch");
    hub.PSubscribe(s.get(), "c*");
    while (s->calls() == 0) std::this_thread::yield();  // publishers are delivering to it now
    hub.Remove(s.get());
    s->MarkGone();
    const size_t calls = s->calls();
    while (steady.calls() < steady_before + 2) std::this_thread::yield();  // more publishes ran
    EXPECT_FALSE(s->delivered_after_remove());
    EXPECT_EQ(s->calls(), calls);
    steady_before = steady.calls();
  }
  stop = true;
  for (auto& th : publishers) th.join();
  EXPECT_EQ(hub.NumSub("ch"), 1u);
  EXPECT_EQ(hub.NumPat(), 0u);
}

}  // namespace
}  // namespace cairn
