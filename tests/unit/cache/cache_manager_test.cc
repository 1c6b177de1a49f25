#include "cairn/cache/cache_manager.h"

#include <gtest/gtest.h>

#include <malloc.h>
#include <string_view>
#include <tuple>
#include <utility>

#include <set>

#include "cairn/events/event_bus.h"
#include "test_util.h"

namespace cairn {
namespace {

using testing::GetValue;

class CacheManagerTest : public ::testing::Test {
 protected:
  CacheManagerTest() : cache_(Options(), clock_) {}
  static CacheOptions Options() {
    CacheOptions o;
    o.shards = 4;
    return o;
  }
  // Where `key`'s entry is and how large its allocation is (malloc_usable_size).
  std::pair<const Entry*, size_t> Allocation(std::string_view key) {
    std::pair<const Entry*, size_t> out{nullptr, 0};
    cache_.Get(key, [&](const Entry& e) {
      out = {&e, malloc_usable_size(const_cast<Entry*>(&e))};
    });
    return out;
  }
  ManualClock clock_;
  CacheManager cache_;
};

TEST_F(CacheManagerTest, SetGetDeleteExists) {
  EXPECT_EQ(cache_.Get("k", [](const Entry&) { FAIL(); }), OpStatus::kNotFound);
  EXPECT_EQ(cache_.Set("k", "v").status, OpStatus::kOk);
  EXPECT_EQ(GetValue(cache_, "k"), "v");
  EXPECT_TRUE(cache_.Exists("k"));
  EXPECT_EQ(cache_.Size(), 1u);
  EXPECT_TRUE(cache_.Delete("k"));
  EXPECT_FALSE(cache_.Delete("k"));
  EXPECT_FALSE(cache_.Exists("k"));
  EXPECT_EQ(cache_.Size(), 0u);
  EXPECT_EQ(cache_.Stats().bytes, 0u);
}

TEST_F(CacheManagerTest, EmptyKeyAndValueAndBinaryBytes) {
  EXPECT_EQ(cache_.Set("", "").status, OpStatus::kOk);
  EXPECT_EQ(GetValue(cache_, ""), "");
  const std::string bin("a\0b\r\n\xff", 6);
  const std::string key("\0\0k", 3);
  cache_.Set(key, bin);
  EXPECT_EQ(GetValue(cache_, key), bin);
  EXPECT_EQ(GetValue(cache_, std::string("\0\0", 2)), "<missing>");
  EXPECT_EQ(cache_.Size(), 2u);
}

// An overwrite keeps the entry's allocation only while it is about the right size: an entry that
// once held a large value must not keep that allocation for a small one, or under overwrites of
// random sizes every key's allocation converges on the largest value it ever held.
TEST_F(CacheManagerTest, OverwriteWithAMuchSmallerValueGivesBackTheLargeAllocation) {
  const Entry* at = nullptr;
  size_t usable = 0;
  auto look = [&] { std::tie(at, usable) = Allocation("k"); };
  cache_.Set("k", std::string(4000, 'x'));
  look();
  EXPECT_GE(usable, Entry::AllocSize(1, 4000));
  cache_.Set("k", "small");
  look();
  EXPECT_LT(usable, 256u);
  const Entry* small = at;
  cache_.Set("k", "SMALL");  // same size: overwritten in place
  look();
  EXPECT_EQ(at, small);
  EXPECT_EQ(GetValue(cache_, "k"), "SMALL");
  EXPECT_EQ(cache_.Stats().bytes, testing::SumCharges(cache_));
}

// The charge is the size class of the entry's lengths: an overwrite keeps the allocation only if
// it is no larger than that class, so an entry never occupies more than it is charged.
TEST_F(CacheManagerTest, OverwriteKeepsTheAllocationOnlyWithinTheChargedClass) {
  const Entry* at = nullptr;
  size_t usable = 0;
  auto look = [&] { std::tie(at, usable) = Allocation("k"); };
  // Values of 250..380 bytes cross jemalloc's 320 and 384 classes (entry = 44 + 1 + value).
  size_t kept = 0;
  for (size_t n = 380; n >= 250; n -= 2) {
    const Entry* before = at;
    cache_.Set("k", std::string(n, 'x'));
    look();
    if (at != before) continue;  // reallocated (the new one is allocated before the old is freed)
    ++kept;
    EXPECT_LE(usable, Entry::SizeClass(Entry::AllocSize(1, n)))
        << n << " bytes: an allocation larger than the charged class was kept";
  }
  EXPECT_GT(kept, 0u);
  EXPECT_EQ(cache_.Stats().bytes, testing::SumCharges(cache_));
}

TEST_F(CacheManagerTest, OverwriteChangingSizeKeepsAccountingExact) {
  cache_.Set("k", "short");
  EXPECT_EQ(cache_.Stats().bytes, Entry::Charge(1, 5));
  cache_.Set("k", std::string(1000, 'x'));
  EXPECT_EQ(cache_.Stats().bytes, Entry::Charge(1, 1000));
  cache_.Set("k", "y");
  EXPECT_EQ(cache_.Stats().bytes, Entry::Charge(1, 1));
  EXPECT_EQ(GetValue(cache_, "k"), "y");
  EXPECT_EQ(cache_.Stats().bytes, testing::SumCharges(cache_));
}

TEST_F(CacheManagerTest, VersionsIncreaseOnEveryWrite) {
  uint64_t v1 = 0, v2 = 0, v3 = 0;
  cache_.Set("k", "a");
  cache_.Peek("k", [&](const Entry& e) { v1 = e.version(); });
  cache_.Set("k", "b");
  cache_.Peek("k", [&](const Entry& e) { v2 = e.version(); });
  cache_.Expire("k", clock_.NowMs() + 1000);
  cache_.Peek("k", [&](const Entry& e) { v3 = e.version(); });
  EXPECT_LT(v1, v2);
  EXPECT_LT(v2, v3);
}

TEST_F(CacheManagerTest, NxXxCombinations) {
  SetOptions nx{.cond = SetOptions::Cond::kIfAbsent};
  SetOptions xx{.cond = SetOptions::Cond::kIfPresent};
  EXPECT_EQ(cache_.Set("k", "1", xx).status, OpStatus::kNotApplied);
  EXPECT_FALSE(cache_.Exists("k"));
  EXPECT_EQ(cache_.Set("k", "1", nx).status, OpStatus::kOk);
  EXPECT_EQ(cache_.Set("k", "2", nx).status, OpStatus::kNotApplied);
  EXPECT_EQ(GetValue(cache_, "k"), "1");
  EXPECT_EQ(cache_.Set("k", "3", xx).status, OpStatus::kOk);
  EXPECT_EQ(GetValue(cache_, "k"), "3");
}

TEST_F(CacheManagerTest, ReturnOldValue) {
  SetOptions get{.want_old = true};
  auto r = cache_.Set("k", "1", get);
  EXPECT_EQ(r.status, OpStatus::kOk);
  EXPECT_FALSE(r.old.has_value());
  r = cache_.Set("k", "2", get);
  ASSERT_TRUE(r.old.has_value());
  EXPECT_EQ(*r.old, "1");
  // NX + GET on an existing key: not applied, old value returned.
  SetOptions nxget{.cond = SetOptions::Cond::kIfAbsent, .want_old = true};
  r = cache_.Set("k", "3", nxget);
  EXPECT_EQ(r.status, OpStatus::kNotApplied);
  EXPECT_EQ(r.old, "2");
  EXPECT_EQ(GetValue(cache_, "k"), "2");
}

TEST_F(CacheManagerTest, TtlAndKeepTtl) {
  const int64_t now = clock_.NowMs();
  cache_.Set("k", "v", {.expire_at_ms = now + 1000});
  int64_t exp = -1;
  cache_.Peek("k", [&](const Entry& e) { exp = e.expire_at_ms(); });
  EXPECT_EQ(exp, now + 1000);
  cache_.Set("k", "v2", {.keep_ttl = true});
  cache_.Peek("k", [&](const Entry& e) { exp = e.expire_at_ms(); });
  EXPECT_EQ(exp, now + 1000);
  cache_.Set("k", "v3");  // a plain SET clears the TTL
  cache_.Peek("k", [&](const Entry& e) { exp = e.expire_at_ms(); });
  EXPECT_EQ(exp, 0);
  EXPECT_EQ(cache_.Stats().expires, 0u);
}

TEST_F(CacheManagerTest, TtlInThePastDeletes) {
  cache_.Set("k", "v");
  EXPECT_EQ(cache_.Set("k", "v2", {.expire_at_ms = clock_.NowMs() - 1}).status, OpStatus::kOk);
  EXPECT_FALSE(cache_.Exists("k"));
  cache_.Set("k", "v");
  EXPECT_EQ(cache_.Expire("k", clock_.NowMs()), OpStatus::kOk);
  EXPECT_FALSE(cache_.Exists("k"));
  EXPECT_EQ(cache_.Stats().items, 0u);
}

TEST_F(CacheManagerTest, LazyExpiryOnAccess) {
  cache_.Set("k", "v", {.expire_at_ms = clock_.NowMs() + 100});
  clock_.Advance(99);
  EXPECT_EQ(GetValue(cache_, "k"), "v");
  clock_.Advance(1);
  EXPECT_EQ(GetValue(cache_, "k"), "<missing>");
  auto st = cache_.Stats();
  EXPECT_EQ(st.items, 0u);
  EXPECT_EQ(st.bytes, 0u);
  EXPECT_EQ(st.expirations, 1u);
  EXPECT_EQ(st.hits, 1u);
  EXPECT_EQ(st.misses, 1u);
}

TEST_F(CacheManagerTest, ExpireConditions) {
  const int64_t now = clock_.NowMs();
  EXPECT_EQ(cache_.Expire("missing", now + 10), OpStatus::kNotFound);
  cache_.Set("k", "v");
  EXPECT_EQ(cache_.Expire("k", now + 1000, ExpireCond::kXx), OpStatus::kNotApplied);
  EXPECT_EQ(cache_.Expire("k", now + 1000, ExpireCond::kGt), OpStatus::kNotApplied);
  EXPECT_EQ(cache_.Expire("k", now + 1000, ExpireCond::kLt), OpStatus::kOk);
  EXPECT_EQ(cache_.Expire("k", now + 2000, ExpireCond::kNx), OpStatus::kNotApplied);
  EXPECT_EQ(cache_.Expire("k", now + 2000, ExpireCond::kGt), OpStatus::kOk);
  EXPECT_EQ(cache_.Expire("k", now + 1500, ExpireCond::kGt), OpStatus::kNotApplied);
  EXPECT_EQ(cache_.Expire("k", now + 1500, ExpireCond::kLt), OpStatus::kOk);
  EXPECT_EQ(cache_.Persist("k"), OpStatus::kOk);
  EXPECT_EQ(cache_.Persist("k"), OpStatus::kNotApplied);
  EXPECT_EQ(cache_.Persist("missing"), OpStatus::kNotFound);
}

TEST_F(CacheManagerTest, MutateReadModifyWrite) {
  auto incr = [&](std::string_view key) {
    std::string buf;
    return cache_.Mutate(key, [&](const Entry* e) {
      int64_t v = e == nullptr ? 0 : std::stoll(std::string(e->value()));
      buf = std::to_string(v + 1);
      return Mutation::Write(buf);
    });
  };
  EXPECT_EQ(incr("n"), OpStatus::kOk);
  EXPECT_EQ(incr("n"), OpStatus::kOk);
  EXPECT_EQ(GetValue(cache_, "n"), "2");
  // kKeep with a status leaves the value alone.
  EXPECT_EQ(cache_.Mutate("n", [](const Entry*) { return Mutation::Keep(OpStatus::kOverflow); }),
            OpStatus::kOverflow);
  EXPECT_EQ(GetValue(cache_, "n"), "2");
  // A write through Mutate keeps the TTL by default.
  cache_.Expire("n", clock_.NowMs() + 5000);
  incr("n");
  int64_t exp = 0;
  cache_.Peek("n", [&](const Entry& e) { exp = e.expire_at_ms(); });
  EXPECT_EQ(exp, clock_.NowMs() + 5000);
  EXPECT_EQ(cache_.Mutate("n", [](const Entry*) { return Mutation::Delete(); }), OpStatus::kOk);
  EXPECT_FALSE(cache_.Exists("n"));
}

TEST_F(CacheManagerTest, TakeRemovesAndReturns) {
  cache_.Set("k", "v");
  EXPECT_EQ(cache_.Take("k"), "v");
  EXPECT_EQ(cache_.Take("k"), std::nullopt);
}

TEST_F(CacheManagerTest, MultiSetAndNx) {
  std::vector<std::pair<std::string_view, std::string_view>> kv = {
      {"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", "4"}};
  EXPECT_EQ(cache_.MultiSet(kv), OpStatus::kOk);
  EXPECT_EQ(GetValue(cache_, "a"), "3");
  EXPECT_EQ(cache_.Size(), 3u);
  std::vector<std::pair<std::string_view, std::string_view>> kv2 = {{"x", "1"}, {"b", "9"}};
  EXPECT_EQ(cache_.MultiSet(kv2, true), OpStatus::kNotApplied);
  EXPECT_FALSE(cache_.Exists("x"));
  EXPECT_EQ(GetValue(cache_, "b"), "2");
  std::vector<std::pair<std::string_view, std::string_view>> kv3 = {{"x", "1"}, {"y", "2"}};
  EXPECT_EQ(cache_.MultiSet(kv3, true), OpStatus::kOk);
  EXPECT_EQ(cache_.Size(), 5u);
  EXPECT_EQ(cache_.Stats().bytes, testing::SumCharges(cache_));
}

TEST_F(CacheManagerTest, RenameKeepsValueAndTtl) {
  const int64_t exp = clock_.NowMs() + 9000;
  cache_.Set("src", "v", {.expire_at_ms = exp});
  cache_.Set("dst", "old");
  EXPECT_EQ(cache_.Rename("src", "dst", /*nx=*/true), OpStatus::kNotApplied);
  EXPECT_EQ(cache_.Rename("src", "dst"), OpStatus::kOk);
  EXPECT_FALSE(cache_.Exists("src"));
  EXPECT_EQ(GetValue(cache_, "dst"), "v");
  int64_t got = 0;
  cache_.Peek("dst", [&](const Entry& e) { got = e.expire_at_ms(); });
  EXPECT_EQ(got, exp);
  EXPECT_EQ(cache_.Rename("nope", "x"), OpStatus::kNotFound);
  EXPECT_EQ(cache_.Rename("dst", "dst"), OpStatus::kOk);
  EXPECT_EQ(cache_.Size(), 1u);
  EXPECT_EQ(cache_.Stats().bytes, testing::SumCharges(cache_));
  EXPECT_EQ(cache_.Stats().expires, 1u);
}

TEST_F(CacheManagerTest, ScanReturnsEveryKeyOnceWithoutResize) {
  for (int i = 0; i < 1000; ++i) cache_.Set("key:" + std::to_string(i), "v");
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = cache_.Scan(cursor, 10, [&](const Entry& e) { seen.emplace(e.key()); });
    ++calls;
  } while (cursor != 0 && calls < 10000);
  EXPECT_EQ(cursor, 0u);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1000u);
}

TEST_F(CacheManagerTest, ScanSurvivesGrowthBetweenCalls) {
  for (int i = 0; i < 100; ++i) cache_.Set("old:" + std::to_string(i), "v");
  std::set<std::string> seen;
  uint64_t cursor = cache_.Scan(0, 5, [&](const Entry& e) { seen.emplace(e.key()); });
  for (int i = 0; i < 5000; ++i) cache_.Set("new:" + std::to_string(i), "v");  // forces resizes
  while (cursor != 0) {
    cursor = cache_.Scan(cursor, 50, [&](const Entry& e) { seen.emplace(e.key()); });
  }
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count("old:" + std::to_string(i))) << i;
}

TEST_F(CacheManagerTest, ScanSurvivesShrinkBetweenCalls) {
  for (int i = 0; i < 100; ++i) cache_.Set("old:" + std::to_string(i), "v");
  for (int i = 0; i < 8000; ++i) cache_.Set("tmp:" + std::to_string(i), "v");
  std::set<std::string> seen;
  uint64_t cursor = cache_.Scan(0, 5, [&](const Entry& e) { seen.emplace(e.key()); });
  for (int i = 0; i < 8000; ++i) cache_.Delete("tmp:" + std::to_string(i));  // forces shrinks
  while (cursor != 0) {
    cursor = cache_.Scan(cursor, 50, [&](const Entry& e) { seen.emplace(e.key()); });
  }
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count("old:" + std::to_string(i))) << i;
}

TEST_F(CacheManagerTest, KeysRandomKeyFlush) {
  cache_.Set("user:1", "a");
  cache_.Set("user:2", "b");
  cache_.Set("item:1", "c");
  auto keys = cache_.Keys("user:*");
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()),
            (std::set<std::string>{"user:1", "user:2"}));
  EXPECT_EQ(cache_.Keys("*").size(), 3u);
  auto rk = cache_.RandomKey();
  ASSERT_TRUE(rk.has_value());
  EXPECT_TRUE(cache_.Exists(*rk));
  cache_.Flush();
  EXPECT_EQ(cache_.Size(), 0u);
  EXPECT_EQ(cache_.Stats().bytes, 0u);
  EXPECT_FALSE(cache_.RandomKey().has_value());
}

TEST_F(CacheManagerTest, TouchAndAccessMetadata) {
  cache_.Set("k", "v");
  uint32_t before = 0, after = 0;
  cache_.Peek("k", [&](const Entry& e) { before = e.last_access_s(); });
  clock_.Advance(5000);
  EXPECT_TRUE(cache_.Touch("k"));
  cache_.Peek("k", [&](const Entry& e) { after = e.last_access_s(); });
  EXPECT_EQ(after, before + 5);
  EXPECT_FALSE(cache_.Touch("missing"));
  EXPECT_EQ(cache_.Stats().hits, 0u);  // TOUCH and Peek do not count hits
}

TEST_F(CacheManagerTest, ShardCountRoundsUpToPowerOfTwo) {
  ManualClock clock;
  CacheManager c({.shards = 5}, clock);
  EXPECT_EQ(c.shard_count(), 8u);
  CacheManager one({.shards = 0}, clock);
  EXPECT_EQ(one.shard_count(), 1u);
}

TEST_F(CacheManagerTest, EventsArePublishedWithTypes) {
  EventBus bus;
  std::mutex mu;
  std::vector<std::pair<EventType, std::string>> seen;
  bus.Subscribe(kAllEvents, [&](const Event& e) {
    std::lock_guard lock(mu);
    seen.emplace_back(e.type, e.key);
  });
  CacheManager c({.shards = 2, .max_items = 1}, clock_, &bus);
  c.Set("a", "1");
  c.Get("a", [](const Entry&) {});
  c.Get("zz", [](const Entry&) {});
  c.Set("b", "2");                                         // evicts a (max_items = 1)
  c.Set("t", "3", {.expire_at_ms = clock_.NowMs() + 10});  // evicts b
  clock_.Advance(10);
  c.Get("t", [](const Entry&) {});  // lazily expired
  c.Delete("t");
  bus.Drain();
  std::lock_guard lock(mu);
  std::vector<std::pair<EventType, std::string>> want = {
      {EventType::kSet, "a"},     {EventType::kHit, "a"},     {EventType::kMiss, "zz"},
      {EventType::kEvicted, "a"}, {EventType::kSet, "b"},     {EventType::kEvicted, "b"},
      {EventType::kSet, "t"},     {EventType::kExpired, "t"}, {EventType::kMiss, "t"}};
  EXPECT_EQ(seen, want);
}

TEST_F(CacheManagerTest, ThrowingAndSlowSubscribersDoNotBreakTheCache) {
  EventBus bus(/*queue_capacity=*/16);
  std::atomic<bool> release{false};
  bus.Subscribe(MaskOf(EventType::kSet), [](const Event&) { throw std::runtime_error("boom"); });
  bus.Subscribe(MaskOf(EventType::kSet), [&](const Event&) {
    while (!release.load()) std::this_thread::yield();
  });
  CacheManager c({.shards = 2}, clock_, &bus);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(c.Set("k" + std::to_string(i), "v").status, OpStatus::kOk);
  EXPECT_EQ(c.Size(), 1000u);
  EXPECT_GT(bus.dropped(), 0u);  // the stuck subscriber made the queue overflow; nobody waited
  release = true;
  bus.Drain();
  EXPECT_GE(bus.handler_errors(), 1u);
}

}  // namespace
}  // namespace cairn
