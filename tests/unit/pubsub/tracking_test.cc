// Tracking: the table, the modes, and the invalidations the real cache raises through the event
// bus's synchronous tap (writes, lazy and active expiry, eviction) with a manual clock: each is
// delivered before the cache call returns (no bus thread, no sleeping).
#include "cairn/pubsub/tracking.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/common/clock.h"
#include "cairn/events/event_bus.h"

namespace cairn {
namespace {

// Records invalidations as "k1,k2" (kKeys), "*" (kAll), "broken:<id>", prefixed by "r:" when
// redirected.
class Recorder final : public Subscriber {
 public:
  bool Deliver(MessageKind, std::string_view, std::string_view, std::string_view) override {
    return true;
  }
  bool DeliverTracking(const TrackingMessage& m) override {
    std::string s = m.redirected ? "r:" : "";
    if (m.kind == TrackingMessage::Kind::kAll) {
      s += "*";
    } else if (m.kind == TrackingMessage::Kind::kRedirectBroken) {
      s += "broken:" + std::to_string(m.redirect_id);
    } else {
      for (size_t i = 0; i < m.keys.size(); ++i) s += (i ? "," : "") + std::string(m.keys[i]);
    }
    std::lock_guard lock(mu_);
    got_.push_back(std::move(s));
    return true;
  }
  std::vector<std::string> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(got_, {});
  }

 private:
  std::mutex mu_;
  std::vector<std::string> got_;
};

using Strings = std::vector<std::string>;

class TrackingTest : public ::testing::Test {
 protected:
  TrackingTest() : tracking_(&bus_) {
    tracking_.Register(1, &a_);
    tracking_.Register(2, &b_);
    tracking_.Register(3, &target_);
  }
  void Read(uint64_t id, std::string_view key) {
    const std::string_view keys[] = {key};
    tracking_.Remember(id, keys);
  }

  ManualClock clock_;
  EventBus bus_;
  Tracking tracking_;
  Recorder a_, b_, target_;
};

TEST_F(TrackingTest, TapIsOnOnlyWhileSomeoneTracks) {
  EXPECT_FALSE(bus_.Wants(EventType::kSet));
  EXPECT_FALSE(tracking_.active());
  ASSERT_EQ(tracking_.Enable(1, {}), Tracking::EnableResult::kOk);
  EXPECT_TRUE(bus_.Wants(EventType::kSet));
  EXPECT_TRUE(bus_.Wants(EventType::kEvicted));
  EXPECT_FALSE(bus_.Wants(EventType::kHit));
  tracking_.Disable(1);
  EXPECT_FALSE(bus_.Wants(EventType::kSet));
  EXPECT_FALSE(tracking_.active());
}

TEST_F(TrackingTest, DefaultModeSendsOnceThenForgets) {
  tracking_.Enable(1, {});
  tracking_.Enable(2, {});
  Read(1, "k");
  Read(2, "k");
  Read(1, "k");  // twice: one entry
  EXPECT_EQ(tracking_.stats().keys, 1u);
  EXPECT_EQ(tracking_.stats().items, 2u);
  tracking_.Invalidate("k", 0);
  EXPECT_EQ(a_.Take(), Strings{"k"});
  EXPECT_EQ(b_.Take(), Strings{"k"});
  tracking_.Invalidate("k", 0);
  EXPECT_TRUE(a_.Take().empty());
  EXPECT_EQ(tracking_.stats().keys, 0u);
  EXPECT_EQ(tracking_.stats().items, 0u);
}

TEST_F(TrackingTest, NoLoopSkipsTheWriter) {
  Tracking::Mode noloop;
  noloop.noloop = true;
  tracking_.Enable(1, noloop);
  tracking_.Enable(2, {});
  Read(1, "k");
  Read(2, "k");
  {
    const Tracking::WriterScope writer(1);
    tracking_.OnEvent(Event{EventType::kSet, EvictionCause::kNone, 0, "k", {}});
  }
  EXPECT_TRUE(a_.Take().empty());
  EXPECT_EQ(b_.Take(), Strings{"k"});
}

TEST_F(TrackingTest, BcastMatchesPrefixes) {
  Tracking::Mode mode;
  mode.bcast = true;
  mode.prefixes = {"user:", "job:"};
  tracking_.Enable(1, mode);
  Tracking::Mode all;
  all.bcast = true;  // no prefix: every key
  tracking_.Enable(2, all);
  EXPECT_EQ(tracking_.stats().prefixes, 3u);
  tracking_.Invalidate("user:1", 0);
  tracking_.Invalidate("other", 0);
  tracking_.Invalidate("job:", 0);
  EXPECT_EQ(a_.Take(), (Strings{"user:1", "job:"}));
  EXPECT_EQ(b_.Take(), (Strings{"user:1", "other", "job:"}));
}

TEST_F(TrackingTest, RedirectAndBrokenRedirect) {
  Tracking::Mode to_missing;
  to_missing.redirect = 99;
  EXPECT_EQ(tracking_.Enable(1, to_missing), Tracking::EnableResult::kNoSuchRedirect);
  Tracking::Mode mode;
  mode.redirect = 3;
  ASSERT_EQ(tracking_.Enable(1, mode), Tracking::EnableResult::kOk);
  Read(1, "k");
  tracking_.Invalidate("k", 0);
  EXPECT_TRUE(a_.Take().empty());
  EXPECT_EQ(target_.Take(), Strings{"r:k"});
  tracking_.Unregister(3);  // the target disconnects
  Read(1, "k");
  EXPECT_FALSE(tracking_.BrokenRedirect(1));
  tracking_.Invalidate("k", 0);
  EXPECT_EQ(a_.Take(), Strings{"broken:3"});
  EXPECT_TRUE(tracking_.BrokenRedirect(1));
}

TEST_F(TrackingTest, InvalidateAllReachesEveryTrackingClient) {
  tracking_.Enable(1, {});
  Tracking::Mode bcast;
  bcast.bcast = true;
  tracking_.Enable(2, bcast);
  Read(1, "k");
  tracking_.InvalidateAll();
  EXPECT_EQ(a_.Take(), Strings{"*"});
  EXPECT_EQ(b_.Take(), Strings{"*"});
  EXPECT_EQ(tracking_.stats().keys, 0u);
  EXPECT_TRUE(target_.Take().empty());  // not tracking
}

TEST_F(TrackingTest, TableLimitDropsKeysWithAnInvalidation) {
  tracking_.Enable(1, {});
  for (int i = 0; i < 10; ++i) Read(1, "k" + std::to_string(i));
  EXPECT_EQ(tracking_.stats().keys, 10u);
  tracking_.SetMaxKeys(4);
  EXPECT_EQ(tracking_.stats().keys, 4u);
  EXPECT_EQ(a_.Take().size(), 6u);
  Read(1, "new");  // over the bound again: one more goes
  EXPECT_EQ(tracking_.stats().keys, 4u);
  EXPECT_EQ(a_.Take().size(), 1u);
}

TEST_F(TrackingTest, UnregisterStopsDeliveries) {
  tracking_.Enable(1, {});
  Read(1, "k");
  tracking_.Unregister(1);
  EXPECT_FALSE(tracking_.active());
  tracking_.Invalidate("k", 0);
  EXPECT_TRUE(a_.Take().empty());
}

// The cache's own changes, delivered synchronously through the tap.
TEST_F(TrackingTest, CacheWritesExpiryAndEvictionInvalidate) {
  CacheManager cache(CacheOptions{.shards = 1, .max_items = 2, .eviction_policy = "lru"}, clock_,
                     &bus_);
  tracking_.Enable(1, {});
  cache.Set("w", "v");
  Read(1, "w");
  cache.Set("w", "v2");
  EXPECT_EQ(a_.Take(), Strings{"w"});  // before Set returned

  Read(1, "lazy");
  cache.Set("lazy", "v", SetOptions{.expire_at_ms = clock_.NowMs() + 1000});
  EXPECT_EQ(a_.Take(), Strings{"lazy"});
  Read(1, "lazy");
  clock_.Advance(1001);
  EXPECT_EQ(cache.Get("lazy", [](const Entry&) {}), OpStatus::kNotFound);  // lazy expiry
  EXPECT_EQ(a_.Take(), Strings{"lazy"});

  cache.Delete("w");
  cache.Set("active", "v", SetOptions{.expire_at_ms = clock_.NowMs() + 10});
  Read(1, "active");
  clock_.Advance(11);
  EXPECT_EQ(cache.ActiveExpireCycle(), 1u);
  EXPECT_EQ(a_.Take(), Strings{"active"});

  cache.Set("e1", "v");
  cache.Set("e2", "v");
  Read(1, "e1");
  cache.Set("e3", "v");  // evicts the least recently used: e1
  EXPECT_EQ(a_.Take(), Strings{"e1"});
}

// The table's memory is charged to the cache's maxmemory budget as it grows and shrinks, so
// remembered keys make room like any other memory the server keeps for its clients.
TEST_F(TrackingTest, TableMemoryIsChargedToTheCacheBudget) {
  CacheManager cache(CacheOptions{.shards = 1, .eviction_policy = "lru"}, clock_, &bus_);
  tracking_.SetMemoryCharge([&cache](int64_t delta) { cache.ChargeExternal(delta); });
  tracking_.Enable(1, {});
  tracking_.Enable(2, {});
  EXPECT_EQ(cache.external_bytes(), 0);
  Read(1, "key");
  Read(2, "key");
  const int64_t one_key = Tracking::kKeyOverhead + 3 + 2 * Tracking::kReaderBytes;
  EXPECT_EQ(cache.external_bytes(), one_key);
  EXPECT_EQ(tracking_.stats().bytes, static_cast<uint64_t>(one_key));
  Read(1, "other");
  EXPECT_EQ(cache.external_bytes(), one_key + Tracking::kKeyOverhead + 5 + Tracking::kReaderBytes);
  tracking_.Invalidate("key", 0);
  EXPECT_EQ(cache.external_bytes(), Tracking::kKeyOverhead + 5 + Tracking::kReaderBytes);
  tracking_.SetMaxKeys(0);
  tracking_.InvalidateAll();
  EXPECT_EQ(cache.external_bytes(), 0);
  EXPECT_EQ(tracking_.stats().bytes, 0u);
}

}  // namespace
}  // namespace cairn
