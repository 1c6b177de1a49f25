// GDSF: size, frequency and aging (the inflation value L) by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cairn/eviction/lfu_counter.h"
#include "entry_pool.h"
#include "eviction/gdsf.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;

// Evicts the current victim (PickVictim + OnErase, as the shard does) and returns it.
Entry* EvictOne(GdsfPolicy& p) {
  Entry* v = p.PickVictim(kT0);
  if (v != nullptr) p.OnErase(*v);
  return v;
}

TEST(GdsfTest, LargeColdObjectGoesBeforeSmallHotOnes) {
  EntryPool pool;
  GdsfPolicy p;
  std::vector<Entry*> small;
  for (int i = 0; i < 8; ++i) {
    small.push_back(pool.MakeSized("small:" + std::to_string(i), 200));
    p.OnInsert(*small.back());
  }
  for (Entry* e : small) {
    e->set_freq(lfu::kInitVal + 2);  // read a few times
    p.OnAccess(*e);
  }
  // The newest entry, never read again: LRU, FIFO and their kin would keep it the longest.
  Entry* large = pool.MakeSized("large", 64 * 1024);
  p.OnInsert(*large);
  EXPECT_EQ(EvictOne(p), large);
  // Then the small ones, least recently used first (equal size and frequency).
  EXPECT_EQ(EvictOne(p), small[0]);
  EXPECT_EQ(EvictOne(p), small[1]);
}

TEST(GdsfTest, SizeOrdersEntriesOfEqualFrequency) {
  EntryPool pool;
  GdsfPolicy p;
  // Inserted small to large: the largest (the newest) goes first, the smallest last.
  Entry* s = pool.MakeSized("s", 100);
  Entry* m = pool.MakeSized("m", 1000);
  Entry* l = pool.MakeSized("l", 10000);
  p.OnInsert(*s);
  p.OnInsert(*m);
  p.OnInsert(*l);
  EXPECT_EQ(EvictOne(p), l);
  EXPECT_EQ(EvictOne(p), m);
  EXPECT_EQ(EvictOne(p), s);
  EXPECT_EQ(EvictOne(p), nullptr);
}

TEST(GdsfTest, FrequencyRaisesPriority) {
  EntryPool pool;
  GdsfPolicy p;
  Entry* hot = pool.MakeSized("hot", 500);
  Entry* cold = pool.MakeSized("cold", 500);
  p.OnInsert(*hot);
  p.OnInsert(*cold);
  hot->set_freq(lfu::kInitVal + 3);
  p.OnAccess(*hot);
  p.OnAccess(*cold);  // read last, but at the initial counter
  EXPECT_EQ(EvictOne(p), cold) << "recency alone would evict hot (read before cold)";
  EXPECT_EQ(EvictOne(p), hot);
}

TEST(GdsfTest, InflationAgesEntriesThatAreNoLongerRead) {
  EntryPool pool;
  GdsfPolicy p;
  // Once very popular, never read again afterwards.
  Entry* old_hot = pool.MakeSized("old-hot", 500, lfu::kInitVal + 7);
  p.OnInsert(*old_hot);
  // A stream of one-time entries of the same size, one evicted per insert. Each new entry starts
  // at L + its own priority, so as victims raise L the old favourite's fixed priority is
  // overtaken: it goes after a bounded number of rounds instead of staying forever.
  uint64_t last_l = p.inflation();
  int rounds = 0;
  Entry* v = nullptr;
  for (int i = 0; i < 1000 && v != old_hot; ++i) {
    p.OnInsert(*pool.MakeSized("one-time:" + std::to_string(i), 500));
    v = EvictOne(p);
    EXPECT_GE(p.inflation(), last_l) << "L never decreases";
    last_l = p.inflation();
    ++rounds;
  }
  EXPECT_EQ(v, old_hot);
  EXPECT_GT(rounds, 1) << "a popular entry outlives some one-time entries";
  EXPECT_LT(rounds, 20);
  EXPECT_GT(p.inflation(), 0u);
}

TEST(GdsfTest, OrderHoldsAcrossTheRingWrap) {
  EntryPool pool;
  GdsfPolicy p;
  // Push L far past the ring's 128 buckets with a stream of one-time entries.
  for (int i = 0; i < 200; ++i) {
    p.OnInsert(*pool.MakeSized("fill:" + std::to_string(i), 500));
    if (i > 0) EvictOne(p);
  }
  EXPECT_GT(p.inflation(), 3 * GdsfPolicy::kBuckets);
  Entry* rest = EvictOne(p);
  ASSERT_NE(rest, nullptr);
  EXPECT_EQ(EvictOne(p), nullptr);
  Entry* large = pool.MakeSized("large", 50000);
  Entry* small = pool.MakeSized("small", 50);
  p.OnInsert(*small);
  p.OnInsert(*large);
  EXPECT_EQ(EvictOne(p), large);
  EXPECT_EQ(EvictOne(p), small);
}

TEST(GdsfTest, InPlaceResizeKeepsTheMeanExact) {
  EntryPool pool;
  GdsfPolicy p;
  // A large value shrunk in place (the shard's overwrite into the same allocation), then erased.
  Entry* big = pool.MakeSized("big", 100'000);
  p.OnInsert(*big);
  const size_t old_charge = big->charge();
  big->set_value_len(10);
  p.OnResize(*big, old_charge);
  p.OnAccess(*big);
  p.OnErase(*big);
  // With the mean of these two alone, the 2 KB one ranks below the small one and goes first; a
  // mean still inflated by the big value's old charge would rank both at the top bucket and
  // evict by recency (the small one).
  Entry* x = pool.MakeSized("x", 100);
  Entry* y = pool.MakeSized("y", 2'000);
  p.OnInsert(*x);
  p.OnInsert(*y);
  EXPECT_EQ(EvictOne(p), y);
  EXPECT_EQ(EvictOne(p), x);
}

TEST(GdsfTest, MetadataIsTheRingAlone) {
  EntryPool pool;
  GdsfPolicy p;
  const size_t empty = p.MetadataBytes();
  EXPECT_GT(empty, 0u);
  for (int i = 0; i < 1000; ++i) p.OnInsert(*pool.MakeSized("k" + std::to_string(i), i));
  EXPECT_EQ(p.MetadataBytes(), empty) << "nothing per entry outside the Entry header";
  p.Clear();
  EXPECT_EQ(p.inflation(), 0u);
  EXPECT_EQ(p.PickVictim(kT0), nullptr);
}

}  // namespace
}  // namespace cairn
