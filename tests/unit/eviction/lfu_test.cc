// LFU victim order: lowest counter first, ties by recency, and idle-time aging.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cairn/eviction/registry.h"
#include "entry_pool.h"
#include "eviction/lfu.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;

constexpr uint32_t kMinute = 60;

class LfuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = PolicyRegistry::Builtin().Create("lfu");
    ASSERT_NE(policy_, nullptr);
  }

  Entry* Insert(std::string_view key, uint8_t freq, uint32_t last_access_s = kT0) {
    Entry* e = pool_.Make(key, freq, last_access_s);
    policy_->OnInsert(*e);
    return e;
  }

  // Simulates steady eviction pressure at `now`: evicts a victim, then inserts a brand-new key
  // (counter kInitVal, just accessed), `rounds` times. Returns how many rounds ran before
  // `watched` was picked, or -1 if it never was.
  int EvictAndRefill(uint32_t now, int rounds, const Entry* watched) {
    for (int i = 0; i < rounds; ++i) {
      Entry* v = policy_->PickVictim(now);
      if (v == nullptr) return -1;
      if (v == watched) return i;
      policy_->OnErase(*v);
      Insert("cold:" + std::to_string(next_cold_++), lfu::kInitVal, now);
    }
    return -1;
  }

  EntryPool pool_;
  std::unique_ptr<EvictionPolicy> policy_;
  int next_cold_ = 0;
};

TEST_F(LfuTest, LowestCounterFirstTiesLeastRecentlyTouched) {
  Entry* hot = Insert("hot", 10);
  Entry* cold1 = Insert("cold1", 3);
  Entry* warm = Insert("warm", 7);
  Entry* cold2 = Insert("cold2", 3);
  std::vector<Entry*> order;
  while (Entry* v = policy_->PickVictim(kT0)) {
    order.push_back(v);
    policy_->OnErase(*v);
  }
  EXPECT_EQ(order, (std::vector<Entry*>{cold1, cold2, warm, hot}));
}

TEST_F(LfuTest, AccessMovesToTheCountersBucketAndTheRecentEnd) {
  Entry* a = Insert("a", 8);
  Entry* b = Insert("b", 8);
  EXPECT_EQ(policy_->PickVictim(kT0), a);
  policy_->OnAccess(*a);  // counter unchanged (the log increment did not fire): recency only
  EXPECT_EQ(policy_->PickVictim(kT0), b);
  b->set_freq(9);  // the shard incremented b's counter
  policy_->OnAccess(*b);
  EXPECT_EQ(policy_->PickVictim(kT0), a);
  b->set_freq(2);  // the shard decayed b's counter on this access
  policy_->OnAccess(*b);
  EXPECT_EQ(policy_->PickVictim(kT0), b);
}

TEST_F(LfuTest, FrequentlyTouchedKeySurvivesColdTraffic) {
  Entry* hot = Insert("hot", lfu::kInitVal);
  for (int i = 0; i < 100; ++i) Insert("cold:" + std::to_string(next_cold_++), lfu::kInitVal);
  for (int i = 0; i < 1000; ++i) pool_.Touch(*policy_, *hot, kT0);
  EXPECT_GT(hot->freq(), lfu::kInitVal);
  EXPECT_EQ(EvictAndRefill(kT0, 5000, hot), -1);
}

TEST_F(LfuTest, FormerlyHotKeyDecaysAndIsEventuallyEvicted) {
  Entry* hot = Insert("hot", 100, kT0);
  for (int i = 0; i < 50; ++i) Insert("cold:" + std::to_string(next_cold_++), lfu::kInitVal);
  EXPECT_EQ(EvictAndRefill(kT0, 2000, hot), -1);
  // 50 idle minutes: decayed to 50, still far above fresh keys, however often it is examined.
  // (Writing the decayed counter back would decay the same idle time again on every sweep.)
  EXPECT_EQ(EvictAndRefill(kT0 + 50 * kMinute, 2000, hot), -1);
  // 100 idle minutes: decayed to 0. The sweep reaches every non-empty bucket within 128 picks.
  int rounds = EvictAndRefill(kT0 + 100 * kMinute, 2000, hot);
  EXPECT_GE(rounds, 0) << "never evicted";
  EXPECT_LE(rounds, 128);
}

TEST_F(LfuTest, AgedEntryGoesToTheColdEndOfItsDecayedBucket) {
  Entry* old_hot = Insert("old_hot", 10, kT0);
  Entry* fresh = Insert("fresh", lfu::kInitVal, kT0 + 5 * kMinute);
  // At kT0+5min old_hot has decayed to 5: the same counter as `fresh`, but idle for 5 minutes.
  EXPECT_EQ(policy_->PickVictim(kT0 + 5 * kMinute), old_hot);
  policy_->OnErase(*old_hot);
  EXPECT_EQ(policy_->PickVictim(kT0 + 5 * kMinute), fresh);
}

TEST_F(LfuTest, SweepArrivalsKeepLastAccessOrder) {
  Entry* a = Insert("a", 8, kT0);
  Entry* b = Insert("b", 8, kT0 + 2);
  Entry* c = Insert("c", 8, kT0 + 4);
  uint32_t now = kT0 + 2 * kMinute + 5;  // all three have decayed to 6
  // Picking without erasing lets the sweep move all three (one per visit of bucket 8).
  for (int i = 0; i < 6; ++i) EXPECT_EQ(policy_->PickVictim(now), a);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(policy_->PickVictim(now)->policy_tag, 6);
  std::vector<Entry*> order;
  while (Entry* v = policy_->PickVictim(now)) {
    order.push_back(v);
    policy_->OnErase(*v);
  }
  EXPECT_EQ(order, (std::vector<Entry*>{a, b, c}));
}

TEST_F(LfuTest, TouchAfterAgingDecaysOnceAndIncrements) {
  Entry* a = Insert("a", 30, kT0);
  Entry* b = Insert("b", 25, kT0 + 10 * kMinute);
  // Sweep at +10min: a's bucket becomes 20, below b.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(policy_->PickVictim(kT0 + 10 * kMinute), a);
  // The shard's touch decays a's raw counter by the same 10 minutes (30 -> 20) before the log
  // increment, so a lands at 20 or 21: still below b.
  pool_.Touch(*policy_, *a, kT0 + 10 * kMinute);
  EXPECT_GE(a->freq(), 20);
  EXPECT_LE(a->freq(), 21);
  EXPECT_EQ(policy_->PickVictim(kT0 + 10 * kMinute), a);
  policy_->OnErase(*a);
  EXPECT_EQ(policy_->PickVictim(kT0 + 10 * kMinute), b);
}

TEST(LfuTunablesTest, DecayDisabledNeverAges) {
  EntryPool pool;
  LfuPolicy p(/*decay_minutes=*/0);
  Entry* hot = pool.Make("hot", 100, kT0);
  Entry* cold = pool.Make("cold", lfu::kInitVal, kT0 + 1000 * kMinute);
  p.OnInsert(*hot);
  p.OnInsert(*cold);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(p.PickVictim(kT0 + 1000 * kMinute), cold);
}

TEST(LfuTunablesTest, MoreAgingStepsSweepFaster) {
  // 200 non-empty buckets (1..200), one never-touched entry each, 5 hours idle; an untouched
  // fresh key at kInitVal. With 8 steps per pick, 25 picks cover all 200 buckets.
  EntryPool pool;
  LfuPolicy p(/*decay_minutes=*/1, /*aging_steps=*/8);
  std::vector<Entry*> old;
  for (int f = 1; f <= 200; ++f) {
    old.push_back(pool.Make(f, static_cast<uint8_t>(f), kT0));
    p.OnInsert(*old.back());
  }
  uint32_t now = kT0 + 300 * kMinute;
  for (int i = 0; i < 25; ++i) p.PickVictim(now);
  // Everything decayed to 0 and sits in bucket 0 now: the next picks drain exactly those.
  for (size_t i = 0; i < old.size(); ++i) {
    Entry* v = p.PickVictim(now);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->policy_tag, 0) << v->key();
    p.OnErase(*v);
  }
  EXPECT_EQ(p.PickVictim(now), nullptr);
}

TEST(LfuTunablesTest, MetadataIsTheFixedBucketTable) {
  LfuPolicy p;
  EXPECT_GE(p.MetadataBytes(), LfuPolicy::kBuckets * sizeof(void*));
  EXPECT_LE(p.MetadataBytes(), 8192u);
}

}  // namespace
}  // namespace cairn
