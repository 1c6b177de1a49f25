// Capacity contract, run against every registered policy: limits in items and bytes always
// hold, accounting equals the sum of resident entries, victims come in the policy's order, and
// writes that cannot fit are refused (never an infinite loop, never an over-commit).
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "cairn/cache/cache_manager.h"
#include "cairn/events/event_bus.h"
#include "cairn/eviction/registry.h"
#include "test_util.h"

namespace cairn {
namespace {

class CapacityTest : public ::testing::TestWithParam<std::string> {
 protected:
  bool Evicts() const { return GetParam() != "noeviction"; }
  ManualClock clock_;
};

TEST_P(CapacityTest, ItemLimitAlwaysHolds) {
  CacheManager c({.shards = 4, .max_items = 100, .eviction_policy = GetParam()}, clock_);
  size_t refused = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r = c.Set("k" + std::to_string(i), "v");
    if (r.status == OpStatus::kOutOfMemory) ++refused;
    ASSERT_LE(c.Size(), 100u);
  }
  auto st = c.Stats();
  EXPECT_EQ(st.items, 100u);
  EXPECT_EQ(st.bytes, testing::SumCharges(c));
  if (Evicts()) {
    EXPECT_EQ(refused, 0u);
    EXPECT_EQ(st.evictions_items, 900u);
  } else {
    EXPECT_EQ(refused, 900u);
    EXPECT_EQ(st.oom_rejections, 900u);
    EXPECT_EQ(st.evictions, 0u);
  }
}

TEST_P(CapacityTest, ByteLimitAlwaysHoldsWithMixedSizes) {
  const uint64_t max_bytes = 64 * 1024;
  CacheManager c({.shards = 8, .max_bytes = max_bytes, .eviction_policy = GetParam()}, clock_);
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string key = "k" + std::to_string(rng() % 2000);
    std::string value(rng() % 2000, 'x');
    c.Set(key, value);
    if (i % 3 == 0) c.Get("k" + std::to_string(rng() % 2000), [](const Entry&) {});
    ASSERT_LE(c.Stats().bytes, max_bytes);
  }
  EXPECT_EQ(c.Stats().bytes, testing::SumCharges(c));
  EXPECT_EQ(c.Stats().items, testing::Dump(c).size());
}

TEST_P(CapacityTest, EntryLargerThanWholeBudgetIsRefused) {
  EventBus bus;
  std::atomic<int> warnings{0};
  bus.Subscribe(MaskOf(EventType::kCapacityWarning), [&](const Event&) { ++warnings; });
  CacheManager c({.shards = 2, .max_bytes = 4096, .eviction_policy = GetParam()}, clock_, &bus);
  c.Set("small", "v");
  EXPECT_EQ(c.Set("big", std::string(5000, 'x')).status, OpStatus::kOutOfMemory);
  EXPECT_TRUE(c.Exists("small"));  // nothing was evicted for a write that can never fit
  bus.Drain();
  EXPECT_EQ(warnings.load(), 1);
}

TEST_P(CapacityTest, BudgetSplitAcrossShardsDoesNotRefuseWhileEvictableDataExists) {
  if (!Evicts()) GTEST_SKIP() << "noeviction refuses by design";
  // One big value takes most of the budget: it must evict small keys from other shards. (Not
  // all of it: the ghost keys of the evicted ones are charged too, see PolicyMetadata... below.)
  CacheManager c({.shards = 16, .max_bytes = 1'000'000, .eviction_policy = GetParam()}, clock_);
  for (int i = 0; i < 5000; ++i) c.Set("s" + std::to_string(i), std::string(100, 'x'));
  EXPECT_EQ(c.Set("huge", std::string(700'000, 'y')).status, OpStatus::kOk);  // occupies 768 KiB
  EXPECT_TRUE(c.Exists("huge"));
  EXPECT_LE(c.Stats().bytes, 1'000'000u);
}

TEST_P(CapacityTest, LoweringLimitsAtRunTimeEvictsNow) {
  CacheManager c({.shards = 4, .eviction_policy = GetParam()}, clock_);
  for (int i = 0; i < 200; ++i) c.Set("k" + std::to_string(i), "v");
  c.SetCapacity(50, 0);
  if (Evicts()) {
    EXPECT_EQ(c.Size(), 50u);
  } else {
    EXPECT_EQ(c.Size(), 200u);  // nothing evictable: existing data stays, new writes refused
    EXPECT_EQ(c.Set("new", "v").status, OpStatus::kOutOfMemory);
  }
  c.SetCapacity(0, 0);
  EXPECT_EQ(c.Set("new", "v").status, OpStatus::kOk);
}

TEST_P(CapacityTest, MultiSetIsAllOrNothingUnderCapacity) {
  CacheManager c({.shards = 4, .max_items = 3, .eviction_policy = "noeviction"}, clock_);
  c.Set("a", "1");
  c.Set("b", "2");
  std::vector<std::pair<std::string_view, std::string_view>> kv = {{"x", "1"}, {"y", "2"}};
  EXPECT_EQ(c.MultiSet(kv), OpStatus::kOutOfMemory);
  EXPECT_FALSE(c.Exists("x"));
  EXPECT_FALSE(c.Exists("y"));
  std::vector<std::pair<std::string_view, std::string_view>> overwrite = {{"a", "9"}, {"b", "8"}};
  EXPECT_EQ(c.MultiSet(overwrite), OpStatus::kOk);  // overwrites need no room
}

TEST_P(CapacityTest, OverwriteOfTheVictimItselfWorks) {
  // With one item of room, overwriting the only key (the natural victim) must not evict it.
  CacheManager c(
      {.shards = 1, .max_bytes = Entry::Charge(1, 20) + 64, .eviction_policy = GetParam()}, clock_);
  ASSERT_EQ(c.Set("k", std::string(10, 'a')).status, OpStatus::kOk);
  ASSERT_EQ(c.Set("k", std::string(20, 'b')).status, OpStatus::kOk);
  EXPECT_EQ(testing::GetValue(c, "k"), std::string(20, 'b'));
}

TEST_P(CapacityTest, PolicySwapKeepsEntriesAndCounters) {
  CacheManager c({.shards = 4, .max_items = 1000, .eviction_policy = GetParam()}, clock_);
  for (int i = 0; i < 500; ++i) c.Set("k" + std::to_string(i), std::to_string(i));
  for (int i = 0; i < 50; ++i) c.Get("k1", [](const Entry&) {});
  uint8_t freq_before = 0;
  c.Peek("k1", [&](const Entry& e) { freq_before = e.freq(); });
  auto before = testing::Dump(c);
  for (const auto& name : PolicyRegistry::Builtin().Names()) {
    ASSERT_TRUE(c.SetPolicy(name));
    EXPECT_EQ(c.policy(), name);
    EXPECT_EQ(testing::Dump(c), before);
  }
  uint8_t freq_after = 0;
  c.Peek("k1", [&](const Entry& e) { freq_after = e.freq(); });
  EXPECT_EQ(freq_before, freq_after);
  EXPECT_FALSE(c.SetPolicy("no-such-policy"));
  EXPECT_TRUE(c.SetPolicy("allkeys-lru"));
  EXPECT_EQ(c.policy(), "lru");
}

TEST(PolicySwapTest, StartPolicySwapRebuildsInTheBackgroundInOrderAndKeepsEntries) {
  ManualClock clock;
  CacheManager c({.shards = 4, .eviction_policy = "lru"}, clock);
  constexpr int kKeys = 20000;
  for (int i = 0; i < kKeys; ++i) c.Set("k" + std::to_string(i), std::to_string(i));
  const auto before = testing::Dump(c);
  EXPECT_FALSE(c.StartPolicySwap("no-such-policy"));
  ASSERT_TRUE(c.StartPolicySwap("adaptive"));
  // Reads while the rebuild may still run on the other thread find every key.
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(c.Exists("k" + std::to_string(i)));
  // Back-to-back swaps apply in the order asked for.
  ASSERT_TRUE(c.StartPolicySwap("lfu"));
  ASSERT_TRUE(c.StartPolicySwap("sieve"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (c.policy_swap_running().load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_FALSE(c.policy_swap_running().load());
  EXPECT_EQ(c.policy(), "sieve");
  EXPECT_EQ(testing::Dump(c), before);
}

TEST_P(CapacityTest, PolicyMetadataCountsAgainstMaxmemory) {
  if (!Evicts()) GTEST_SKIP() << "noeviction keeps no metadata";
  // Small entries under a byte limit, with hits and misses: ghosts, sketches and simulations
  // grow with traffic; what they add must come out of the same budget as the entries.
  const uint64_t max_bytes = 512 * 1024;
  CacheManager c({.shards = 2, .max_bytes = max_bytes, .eviction_policy = GetParam()}, clock_);
  std::mt19937 rng(11);
  for (int i = 0; i < 60'000; ++i) {
    const std::string key = "k" + std::to_string(rng() % 20'000);
    if (c.Get(key, [](const Entry&) {}) != OpStatus::kOk) c.Set(key, "v");
  }
  const CacheStats st = c.Stats();
  // What an empty policy allocates up front is structure and not charged (see Shard).
  CacheManager empty({.shards = 2, .max_bytes = max_bytes, .eviction_policy = GetParam()}, clock_);
  const uint64_t floor = empty.Stats().policy_metadata_bytes;
  ASSERT_GE(st.policy_metadata_bytes, floor);
  const uint64_t grown = st.policy_metadata_bytes - floor;
  // The charge is synced before each eviction; one eviction's growth (a ghost key) may lag.
  EXPECT_LE(st.bytes + grown, max_bytes + 1024)
      << "bytes " << st.bytes << " metadata grown " << grown << " of " << st.policy_metadata_bytes;
  EXPECT_GT(st.evictions, 0u);
}

TEST_P(CapacityTest, MetadataGrownUnderAnItemLimitIsChargedWhenMaxmemoryIsSet) {
  if (!Evicts()) GTEST_SKIP() << "noeviction keeps no metadata";
  // Under max-items alone the writes leave the metadata charge alone (it matters only to a byte
  // limit); setting maxmemory later must still count what the ghosts and simulations hold.
  CacheManager c({.shards = 2, .max_items = 4'000, .eviction_policy = GetParam()}, clock_);
  std::mt19937 rng(5);
  for (int i = 0; i < 60'000; ++i) {
    const std::string key = "k" + std::to_string(rng() % 20'000);
    if (c.Get(key, [](const Entry&) {}) != OpStatus::kOk) c.Set(key, "v");
  }
  CacheManager empty({.shards = 2, .max_items = 4'000, .eviction_policy = GetParam()}, clock_);
  const CacheStats before = c.Stats();
  const uint64_t floor = empty.Stats().policy_metadata_bytes;
  ASSERT_GE(before.policy_metadata_bytes, floor);
  const uint64_t grown = before.policy_metadata_bytes - floor;
  if (grown < 4096) GTEST_SKIP() << "this policy's metadata does not grow with traffic";
  // Room for the entries but not for the entries and the metadata: entries must go.
  const uint64_t max_bytes = before.bytes + grown / 2;
  c.SetCapacity(0, max_bytes);
  const CacheStats after = c.Stats();
  EXPECT_GT(after.evictions, before.evictions);
  const uint64_t grown_after = after.policy_metadata_bytes - floor;
  EXPECT_LE(after.bytes + grown_after, max_bytes + 1024)
      << "bytes " << after.bytes << " metadata grown " << grown_after;
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, CapacityTest,
                         ::testing::ValuesIn(PolicyRegistry::Builtin().Names()),
                         [](const auto& info) { return info.param; });

// Victim order at the cache level, for the policies whose order is documented exactly.
TEST(VictimOrderTest, LruEvictsLeastRecentlyUsed) {
  ManualClock clock;
  CacheManager c({.shards = 1, .max_items = 3, .eviction_policy = "lru"}, clock);
  c.Set("a", "1");
  c.Set("b", "2");
  c.Set("c", "3");
  c.Get("a", [](const Entry&) {});
  c.Set("d", "4");  // evicts b
  EXPECT_TRUE(c.Exists("a"));
  EXPECT_FALSE(c.Exists("b"));
  c.Set("e", "5");  // evicts c
  EXPECT_FALSE(c.Exists("c"));
}

TEST(VictimOrderTest, FifoIgnoresAccess) {
  ManualClock clock;
  CacheManager c({.shards = 1, .max_items = 3, .eviction_policy = "fifo"}, clock);
  c.Set("a", "1");
  c.Set("b", "2");
  c.Set("c", "3");
  c.Get("a", [](const Entry&) {});
  c.Set("d", "4");  // evicts a, the oldest insert
  EXPECT_FALSE(c.Exists("a"));
  EXPECT_TRUE(c.Exists("b"));
}

TEST(VictimOrderTest, LfuKeepsFrequentKeys) {
  ManualClock clock;
  CacheManager c({.shards = 1, .max_items = 10, .eviction_policy = "lfu"}, clock);
  for (int i = 0; i < 10; ++i) c.Set("k" + std::to_string(i), "v");
  for (int n = 0; n < 200; ++n) {
    for (int i = 0; i < 5; ++i) c.Get("k" + std::to_string(i), [](const Entry&) {});
  }
  for (int i = 10; i < 30; ++i) c.Set("k" + std::to_string(i), "v");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(c.Exists("k" + std::to_string(i))) << i;
}

TEST(EffectiveShardsTest, SmallItemCapsGetFewerShards) {
  EXPECT_EQ(EffectiveShards(16, 0), 16u) << "unlimited: as configured";
  EXPECT_EQ(EffectiveShards(12, 0), 16u) << "rounded up to a power of two";
  EXPECT_EQ(EffectiveShards(16, 100'000), 16u);
  EXPECT_EQ(EffectiveShards(16, 16 * kMinItemsPerShard), 16u);
  EXPECT_EQ(EffectiveShards(16, 16 * kMinItemsPerShard - 1), 8u);
  EXPECT_EQ(EffectiveShards(16, 2 * kMinItemsPerShard), 2u);
  EXPECT_EQ(EffectiveShards(16, 284), 1u) << "LIRS multi2 at 5%: one shard, not 16 of 18 keys";
  EXPECT_EQ(EffectiveShards(16, 3), 1u);
  EXPECT_EQ(EffectiveShards(1, 1'000'000), 1u) << "never more than configured";
  EXPECT_EQ(EffectiveShards(0, 5000), 1u);
}

}  // namespace
}  // namespace cairn
