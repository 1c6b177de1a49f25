// The notifier wired to a real CacheManager: the events the cache raises (writes, deletes,
// renames, lazy and active expiry, evictions) arrive as Redis's keyspace messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cairn/cache/cache_manager.h"
#include "cairn/events/event_bus.h"
#include "cairn/observability/keyspace_notifier.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "recording_subscriber.h"

namespace cairn {
namespace {

using obs_test::Message;
using obs_test::RecordingSubscriber;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class NotifierCacheTest : public ::testing::Test {
 protected:
  NotifierCacheTest() : notifier_(bus_, hub_) { hub_.PSubscribe(&sub_, "__key*__:*"); }
  std::vector<Message> Drain() {
    bus_.Drain();
    return sub_.Take();
  }
  ManualClock clock_;
  EventBus bus_;
  PubSubHub hub_;
  RecordingSubscriber sub_;
  KeyspaceNotifier notifier_;
};

TEST_F(NotifierCacheTest, WritesDeletesAndRenames) {
  CacheManager cache(CacheOptions{.shards = 4}, clock_, &bus_);
  notifier_.SetFlags(*ParseNotifyFlags("KEA"));
  cache.Set("a", "1");
  cache.Delete("a");
  cache.Set("src", "v");
  ASSERT_EQ(cache.Rename("src", "dst"), OpStatus::kOk);
  EXPECT_THAT(
      Drain(),
      ElementsAre(Message{"__keyspace@0__:a", "set"}, Message{"__keyevent@0__:set", "a"},
                  Message{"__keyspace@0__:a", "del"}, Message{"__keyevent@0__:del", "a"},
                  Message{"__keyspace@0__:src", "set"}, Message{"__keyevent@0__:set", "src"},
                  Message{"__keyspace@0__:src", "rename_from"},
                  Message{"__keyevent@0__:rename_from", "src"},
                  Message{"__keyspace@0__:dst", "rename_to"},
                  Message{"__keyevent@0__:rename_to", "dst"}));
}

TEST_F(NotifierCacheTest, ExpiredAndEvictedOnly) {
  CacheManager cache(CacheOptions{.shards = 1, .max_items = 2, .eviction_policy = "lru"}, clock_,
                     &bus_);
  notifier_.SetFlags(*ParseNotifyFlags("Exe"));
  EXPECT_FALSE(bus_.Wants(EventType::kSet));
  cache.Set("t", "v", SetOptions{.expire_at_ms = clock_.NowMs() + 1000});
  clock_.Advance(1001);
  EXPECT_EQ(cache.Get("t", [](const Entry&) {}), OpStatus::kNotFound);  // lazy expiry
  cache.Set("k1", "v");
  cache.Set("k2", "v");
  cache.Set("k3", "v");  // evicts the least recently used: k1
  EXPECT_THAT(Drain(), ElementsAre(Message{"__keyevent@0__:expired", "t"},
                                   Message{"__keyevent@0__:evicted", "k1"}));
}

TEST_F(NotifierCacheTest, ActiveExpiry) {
  CacheManager cache(CacheOptions{.shards = 2}, clock_, &bus_);
  notifier_.SetFlags(*ParseNotifyFlags("Kx"));
  cache.Set("soon", "v", SetOptions{.expire_at_ms = clock_.NowMs() + 10});
  cache.Set("later", "v", SetOptions{.expire_at_ms = clock_.NowMs() + 100'000});
  clock_.Advance(11);
  EXPECT_EQ(cache.ActiveExpireCycle(), 1u);
  EXPECT_THAT(Drain(), ElementsAre(Message{"__keyspace@0__:soon", "expired"}));
}

TEST_F(NotifierCacheTest, OffPublishesNothing) {
  CacheManager cache(CacheOptions{.shards = 1, .max_items = 1}, clock_, &bus_);
  cache.Set("a", "1");
  cache.Set("b", "1");
  cache.Delete("b");
  EXPECT_THAT(Drain(), IsEmpty());
}

}  // namespace
}  // namespace cairn
