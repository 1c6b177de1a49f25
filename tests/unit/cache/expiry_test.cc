#include <gtest/gtest.h>

#include <thread>

#include "cairn/cache/cache_manager.h"
#include "cairn/cache/expiry_service.h"
#include "test_util.h"

namespace cairn {
namespace {

TEST(ActiveExpiryTest, ReclaimsKeysNobodyReads) {
  // 100,000 keys with a 200 ms TTL: after 250 ms of (manual) time, the cycles that a 10 Hz
  // service runs in the following 2 s must have reclaimed every one of them.
  ManualClock clock;
  CacheManager c({.shards = 16}, clock);
  for (int i = 0; i < 100'000; ++i) {
    c.Set("k" + std::to_string(i), "value", {.expire_at_ms = clock.NowMs() + 200});
  }
  c.Set("keep", "forever");
  EXPECT_EQ(c.Stats().expires, 100'000u);
  clock.Advance(250);
  size_t removed = 0;
  int cycles = 0;
  // The cycle's budget is wall time: sanitizer builds run the same work 5-20x slower.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr int64_t kBudgetUs = 25'000 * 20;
#else
  constexpr int64_t kBudgetUs = 25'000;
#endif
  for (; cycles < 20 && c.Size() > 1; ++cycles) {
    removed += c.ActiveExpireCycle(kBudgetUs);
    clock.Advance(100);
  }
  EXPECT_EQ(removed, 100'000u);
  auto st = c.Stats();
  EXPECT_EQ(st.items, 1u);
  EXPECT_EQ(st.bytes, Entry::Charge(4, 7));
  EXPECT_EQ(st.expires, 0u);
  EXPECT_EQ(st.active_expirations, 100'000u);
  EXPECT_GE(st.expiry_lag_ms, 50);  // expired 250 ms in, 200 ms TTL
  EXPECT_TRUE(c.Exists("keep"));
}

TEST(ActiveExpiryTest, LeavesUnexpiredKeys) {
  ManualClock clock;
  CacheManager c({.shards = 4}, clock);
  for (int i = 0; i < 1000; ++i) {
    c.Set("k" + std::to_string(i), "v", {.expire_at_ms = clock.NowMs() + (i % 2 ? 100 : 10'000)});
  }
  clock.Advance(200);
  for (int i = 0; i < 50; ++i) c.ActiveExpireCycle(25'000);
  EXPECT_EQ(c.Size(), 500u);
  for (int i = 0; i < 1000; i += 2) EXPECT_TRUE(c.Exists("k" + std::to_string(i)));
}

TEST(ActiveExpiryTest, SweepFindsAFewTtlKeysAmongManyWithout) {
  // The sweep reads the index's expiring bits, not the entries: 30 TTL'd keys hidden among
  // 40,000 without are all found within a bounded number of cycles, and nothing else goes.
  ManualClock clock;
  CacheManager c({.shards = 4}, clock);
  for (int i = 0; i < 40'000; ++i) c.Set("plain" + std::to_string(i), "v");
  for (int i = 0; i < 30; ++i) {
    c.Set("ttl" + std::to_string(i), "v", {.expire_at_ms = clock.NowMs() + 100});
  }
  EXPECT_EQ(c.Stats().expires, 30u);
  clock.Advance(200);
  size_t removed = 0;
  for (int cycle = 0; cycle < 200 && removed < 30; ++cycle) removed += c.ActiveExpireCycle(25'000);
  EXPECT_EQ(removed, 30u);
  EXPECT_EQ(c.Size(), 40'000u);
  EXPECT_EQ(c.Stats().expires, 0u);
  EXPECT_EQ(c.Stats().active_expirations, 30u);
}

TEST(ActiveExpiryTest, ExpiresCountFollowsExpirePersistAndOverwrites) {
  ManualClock clock;
  CacheManager c({.shards = 2}, clock);
  const int64_t later = clock.NowMs() + 60'000;
  c.Set("a", "v");
  EXPECT_EQ(c.Stats().expires, 0u);
  EXPECT_EQ(c.Expire("a", later), OpStatus::kOk);
  EXPECT_EQ(c.Stats().expires, 1u);
  EXPECT_EQ(c.Expire("a", later + 1), OpStatus::kOk);  // a new deadline, still one
  EXPECT_EQ(c.Stats().expires, 1u);
  // An overwrite that keeps the TTL, then one that reallocates (a much larger value): the
  // entry moves, and its index slot must keep saying that it expires.
  c.Set("a", "w", {.expire_at_ms = later});
  c.Set("a", std::string(5000, 'x'), {.expire_at_ms = later});
  EXPECT_EQ(c.Stats().expires, 1u);
  EXPECT_EQ(c.Persist("a"), OpStatus::kOk);
  EXPECT_EQ(c.Stats().expires, 0u);
  c.Set("b", "v", {.expire_at_ms = clock.NowMs() + 50});
  c.Set("b", "v");  // a plain SET drops the TTL
  EXPECT_EQ(c.Stats().expires, 0u);
  c.Set("b", "v", {.expire_at_ms = clock.NowMs() + 50});
  c.Set("b", std::string(5000, 'y'), {.expire_at_ms = clock.NowMs() + 50});
  EXPECT_EQ(c.Stats().expires, 1u);
  clock.Advance(100);
  EXPECT_EQ(c.ActiveExpireCycle(25'000), 1u);  // found through the moved entry's slot
  EXPECT_FALSE(c.Exists("b"));
  EXPECT_TRUE(c.Exists("a"));
  EXPECT_EQ(c.Stats().expires, 0u);
}

TEST(ExpiryServiceTest, RunsCyclesInTheBackgroundAndStops) {
  ManualClock clock;
  CacheManager c({.shards = 2}, clock);
  for (int i = 0; i < 100; ++i) {
    c.Set("k" + std::to_string(i), "v", {.expire_at_ms = clock.NowMs() + 1});
  }
  clock.Advance(10);
  ExpiryService svc(c, /*hz=*/100);
  svc.Start();
  // Wait (bounded) for the background thread; this polls a condition, it does not time anything.
  for (int i = 0; i < 500 && c.Size() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  svc.Stop();
  EXPECT_EQ(c.Size(), 0u);
  EXPECT_GE(svc.cycles(), 1u);
}

TEST(AvgTtlTest, ExactWhenEveryTtlIsSampled) {
  ManualClock clock;
  CacheManager c({.shards = 4}, clock);
  EXPECT_EQ(c.EstimateAvgTtlMs(), 0);  // no keys
  c.Set("plain", "v");
  EXPECT_EQ(c.EstimateAvgTtlMs(), 0);  // no key with an expiry
  // Remaining TTLs 1000, 2000, ..., 10000 ms: mean 5500.
  for (int i = 1; i <= 10; ++i) {
    c.Set("k" + std::to_string(i), "v", {.expire_at_ms = clock.NowMs() + i * 1000});
  }
  EXPECT_EQ(c.EstimateAvgTtlMs(), 5500);
  clock.Advance(500);
  EXPECT_EQ(c.EstimateAvgTtlMs(), 5000);
  // Expired but not yet reclaimed keys are not counted: 9 left, 500 .. 8500 ms, mean 4500.
  clock.Advance(1000);
  EXPECT_EQ(c.EstimateAvgTtlMs(), 4500);
}

TEST(AvgTtlTest, SampledEstimateOfManyKeys) {
  // 100,000 keys with TTLs spread evenly over 10..20 s (mean 15 s); 32 samples per shard.
  ManualClock clock;
  CacheManager c({.shards = 16}, clock);
  for (int i = 0; i < 100'000; ++i) {
    c.Set("k" + std::to_string(i), "v", {.expire_at_ms = clock.NowMs() + 10'000 + (i % 10'001)});
  }
  const int64_t avg = c.EstimateAvgTtlMs();
  EXPECT_GT(avg, 14'000);
  EXPECT_LT(avg, 16'000);
  // All keys at one TTL: the estimate is exact.
  c.Flush();
  for (int i = 0; i < 10'000; ++i) {
    c.Set("k" + std::to_string(i), "v", {.expire_at_ms = clock.NowMs() + 100'000});
  }
  EXPECT_EQ(c.EstimateAvgTtlMs(), 100'000);
}

}  // namespace
}  // namespace cairn
