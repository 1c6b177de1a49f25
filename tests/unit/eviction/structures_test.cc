// The eviction module's building blocks: GhostTable (against a std reference under random
// operations), FrequencySketch (count-min guarantees, saturation, halving), ShadowCache (a
// shadow of lru against a reference LRU).
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <list>
#include <random>
#include <unordered_map>
#include <vector>

#include "cairn/eviction/registry.h"
#include "eviction/fifo_ghost.h"
#include "eviction/frequency_sketch.h"
#include "eviction/ghost_table.h"
#include "eviction/shadow_cache.h"

namespace cairn::eviction {
namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// ---- GhostTable ----

TEST(GhostTableTest, PushFindRemove) {
  GhostTable g;
  EXPECT_EQ(g.Find(42), GhostTable::kAbsent);
  g.PushBack(0, 42);
  g.PushBack(1, 7);
  EXPECT_EQ(g.Find(42), 0);
  EXPECT_EQ(g.Find(7), 1);
  EXPECT_EQ(g.size(0), 1u);
  EXPECT_EQ(g.size(1), 1u);
  EXPECT_EQ(g.total(), 2u);
  g.PushBack(1, 42);  // moves between lists
  EXPECT_EQ(g.Find(42), 1);
  EXPECT_EQ(g.size(0), 0u);
  EXPECT_EQ(g.size(1), 2u);
  EXPECT_EQ(g.Remove(7), 1);
  EXPECT_EQ(g.Remove(7), GhostTable::kAbsent);
  EXPECT_EQ(g.total(), 1u);
}

TEST(GhostTableTest, PopFrontDropsTheOldest) {
  GhostTable g;
  for (uint64_t h = 1; h <= 5; ++h) g.PushBack(0, h * 1000);
  g.PushBack(0, 1000);  // re-pushed: now the newest
  g.PopFront(0);
  EXPECT_EQ(g.Find(2000), GhostTable::kAbsent);
  EXPECT_EQ(g.Find(1000), 0);
  g.PopFront(0);
  g.PopFront(0);
  g.PopFront(0);
  EXPECT_EQ(g.total(), 1u);
  EXPECT_EQ(g.Find(1000), 0);
  g.PopFront(1);  // empty list: no-op
  EXPECT_EQ(g.total(), 1u);
}

TEST(GhostTableTest, MatchesReferenceUnderRandomOperations) {
  GhostTable g;
  std::unordered_map<uint64_t, int> where;
  std::deque<uint64_t> order[2];  // may hold stale copies; filtered by `where`
  std::mt19937_64 rng(5);
  auto live_front = [&](int l) -> uint64_t {
    while (!order[l].empty()) {
      uint64_t h = order[l].front();
      auto it = where.find(h);
      if (it != where.end() && it->second == l) return h;
      order[l].pop_front();
    }
    return 0;
  };
  for (int step = 0; step < 200'000; ++step) {
    // Few distinct hashes (collide often in the probe table) with some spread-out high bits.
    uint64_t h = (rng() % 3000 + 1) * 0x9E3779B97F4A7C15ULL;
    int l = static_cast<int>(rng() % 2);
    switch (rng() % 4) {
      case 0:
      case 1: {
        // Remove stale copies so the deque's front is always the oldest live one.
        if (where.count(h)) {
          auto& q = order[where[h]];
          q.erase(std::find(q.begin(), q.end(), h));
        }
        g.PushBack(static_cast<uint8_t>(l), h);
        where[h] = l;
        order[l].push_back(h);
        break;
      }
      case 2: {
        uint8_t got = g.Remove(h);
        auto it = where.find(h);
        ASSERT_EQ(got, it == where.end() ? GhostTable::kAbsent : it->second);
        if (it != where.end()) {
          auto& q = order[it->second];
          q.erase(std::find(q.begin(), q.end(), h));
          where.erase(it);
        }
        break;
      }
      case 3: {
        uint64_t oldest = live_front(l);
        g.PopFront(static_cast<uint8_t>(l));
        if (oldest != 0) {
          where.erase(oldest);
          order[l].pop_front();
        }
        break;
      }
    }
    if (step % 1000 == 0) {
      ASSERT_EQ(g.total(), where.size());
      for (auto [hash, list] : where) ASSERT_EQ(g.Find(hash), list);
    }
  }
}

TEST(GhostTableTest, MemoryIsReleasedByReset) {
  GhostTable g;
  for (uint64_t h = 1; h <= 10'000; ++h) g.PushBack(0, h);
  EXPECT_GE(g.MemoryBytes(), 10'000 * 16u);
  EXPECT_LE(g.MemoryBytes(), 10'000 * 42u);  // 25 bytes, up to twice that in growth slack
  g.Reset();
  EXPECT_EQ(g.MemoryBytes(), 0u);
  EXPECT_EQ(g.Find(5), GhostTable::kAbsent);
  g.PushBack(0, 5);
  EXPECT_EQ(g.Find(5), 0);
}

TEST(GhostTableTest, SteadyStateDoesNotGrow) {
  GhostTable g;
  for (uint64_t h = 1; h <= 4096; ++h) g.PushBack(0, h * 7919);
  size_t bytes = g.MemoryBytes();
  for (uint64_t h = 4097; h <= 100'000; ++h) {  // a FIFO of 4096 ghosts, turned over many times
    g.PopFront(0);
    g.Append(0, h * 7919);
  }
  EXPECT_EQ(g.total(), 4096u);
  EXPECT_EQ(g.MemoryBytes(), bytes);
}

// ---- FifoGhost ----

TEST(FifoGhostTest, AGhostLivesForLimitPushes) {
  FifoGhost g;
  for (uint64_t h = 1; h <= 10; ++h) g.Push(h * 0x9E3779B97F4A7C15ULL, 10);
  EXPECT_EQ(g.CountLive(10), 10u);
  EXPECT_EQ(g.CountLive(4), 4u) << "a smaller limit keeps only the newest";
  g.Push(11 * 0x9E3779B97F4A7C15ULL, 10);  // the first one ages out
  EXPECT_FALSE(g.Take(1 * 0x9E3779B97F4A7C15ULL, 10));
  EXPECT_TRUE(g.Take(2 * 0x9E3779B97F4A7C15ULL, 10));
  EXPECT_FALSE(g.Take(2 * 0x9E3779B97F4A7C15ULL, 10)) << "a hit consumes the ghost";
  EXPECT_FALSE(g.Take(12345, 10));
  EXPECT_EQ(g.CountLive(10), 9u);
}

TEST(FifoGhostTest, MatchesAnExactFifoWhenBucketsDoNotOverflow) {
  FifoGhost g;
  std::deque<uint64_t> fifo;
  std::mt19937_64 rng(21);
  constexpr size_t kLimit = 100;
  int hits = 0;
  for (int i = 0; i < 100'000; ++i) {
    uint64_t h = SplitMix(rng() % 400);
    bool expected = false;
    for (uint64_t& x : fifo) {  // the last kLimit pushes
      if (x == h) {
        expected = true;
        x = 0;  // consumed (still counts in the others' age)
      }
    }
    ASSERT_EQ(g.Take(h, kLimit), expected) << i;
    hits += expected;
    if (rng() % 2 == 0) {
      // A re-push of a key still in the window replaces it (one ghost per key).
      for (uint64_t& x : fifo) x = x == h ? 0 : x;
      g.Push(h, kLimit);
      fifo.push_back(h);
      if (fifo.size() > kLimit) fifo.pop_front();
    }
  }
  EXPECT_GT(hits, 1000);
}

TEST(FifoGhostTest, AFullBucketDropsItsOldestGhost) {
  FifoGhost g;
  // Same low bits (one bucket), different fingerprints: 9 pushes into 8 slots; then 7 pushes to
  // other buckets fill the 16-entry staging buffer, which writes them all to the table.
  for (uint64_t i = 1; i <= 9; ++i) g.Push(i << 32, 1000);
  for (uint64_t i = 1; i <= 7; ++i) g.Push((i << 32) | i, 1000);
  EXPECT_FALSE(g.Take(uint64_t{1} << 32, 1000)) << "the oldest of the bucket left early";
  for (uint64_t i = 2; i <= 9; ++i) EXPECT_TRUE(g.Take(i << 32, 1000)) << i;
}

TEST(FifoGhostTest, MemoryFollowsTheLimit) {
  FifoGhost g;
  g.Push(1, 10);
  const size_t staging = g.MemoryBytes() - 64u * 64;
  EXPECT_LE(staging, 512u) << "the 4 KiB minimum, plus the staging buffer";
  g.Push(2, 100'000);
  EXPECT_EQ(g.MemoryBytes(), 32'768u * 64 + staging)
      << "two slots per ghost, a power of two of buckets";
  EXPECT_FALSE(g.Take(1, 100'000)) << "growing starts afresh";
  g.Reset();
  EXPECT_EQ(g.MemoryBytes(), staging);
}

// ---- FrequencySketch ----

TEST(FrequencySketchTest, NeverUnderestimatesBeforeAging) {
  FrequencySketch s;
  s.EnsureCapacity(1024);
  std::mt19937_64 rng(9);
  std::unordered_map<uint64_t, int> truth;
  for (int i = 0; i < 3000; ++i) {  // well below the 10 x 1024 sample
    uint64_t h = rng() % 500 * 0xD6E8FEB86659FD93ULL;
    s.Increment(h);
    ++truth[h];
  }
  ASSERT_EQ(s.halvings(), 0u);
  int exact = 0;
  for (auto [h, n] : truth) {
    EXPECT_GE(s.Frequency(h), std::min(n, FrequencySketch::kMaxCount));
    if (s.Frequency(h) == std::min(n, FrequencySketch::kMaxCount)) ++exact;
  }
  EXPECT_GT(exact, static_cast<int>(truth.size()) * 3 / 4) << "too many collisions";
  EXPECT_EQ(s.Frequency(0x1234567), 0);
}

TEST(FrequencySketchTest, SaturatesAtFifteen) {
  FrequencySketch s;
  for (int i = 0; i < 40; ++i) s.Increment(77);
  EXPECT_EQ(s.Frequency(77), 15);
}

TEST(FrequencySketchTest, HalvesAfterTheSamplePeriod) {
  FrequencySketch s;
  s.EnsureCapacity(64);
  ASSERT_EQ(s.capacity(), 64u);
  ASSERT_EQ(s.sample_size(), 640u);
  for (int i = 0; i < 12; ++i) s.Increment(1);  // a hot key at 12
  std::mt19937_64 rng(1);
  // Other keys until the sample fills and a halving pass starts; the pass halves one 8-word
  // block per increment, so 8 more increments complete it.
  while (s.halvings() == 0) s.Increment(rng() | 1024);
  EXPECT_LE(s.Frequency(1), 7);
  EXPECT_GE(s.Frequency(1), 5);  // 12 / 2 = 6, + at most one collision increment
  EXPECT_LT(s.size(), 640u / 2 + 16);
}

TEST(FrequencySketchTest, GrowsWithCapacityAndResets) {
  FrequencySketch s;
  EXPECT_EQ(s.capacity(), 8u);
  s.Increment(3);
  s.EnsureCapacity(100);
  EXPECT_EQ(s.capacity(), 128u);
  EXPECT_EQ(s.Frequency(3), 0) << "growing starts the counts afresh";
  s.EnsureCapacity(50);
  EXPECT_EQ(s.capacity(), 128u) << "never shrinks on demand";
  EXPECT_EQ(s.MemoryBytes(), 128u * 8);
  s.Reset();
  EXPECT_EQ(s.capacity(), 8u);
}

// ---- ShadowCache ----

TEST(ShadowCacheTest, ShadowOfLruMatchesReferenceLru) {
  ShadowCache shadow(PolicyRegistry::Builtin().Create("lru"));
  shadow.Reset(100);
  std::list<uint64_t> lru;  // front = LRU
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> where;
  std::mt19937_64 rng(4);
  uint64_t hits = 0, ref_hits = 0;
  for (int i = 0; i < 100'000; ++i) {
    uint64_t h = (rng() % 300) * 0x9E3779B97F4A7C15ULL + 1;
    if (i % 50 == 0) {  // a deletion in the real cache
      shadow.Erase(h);
      if (auto it = where.find(h); it != where.end()) {
        lru.erase(it->second);
        where.erase(it);
      }
      continue;
    }
    hits += shadow.Request(h);
    if (auto it = where.find(h); it != where.end()) {
      ++ref_hits;
      lru.splice(lru.end(), lru, it->second);
    } else {
      if (lru.size() == 100) {
        where.erase(lru.front());
        lru.pop_front();
      }
      where[h] = lru.insert(lru.end(), h);
    }
    ASSERT_EQ(shadow.size(), lru.size());
  }
  EXPECT_EQ(hits, ref_hits);
  EXPECT_GT(hits, 0u);
}

TEST(ShadowCacheTest, ResetEmptiesAndResizes) {
  ShadowCache shadow(PolicyRegistry::Builtin().Create("arc"));
  EXPECT_FALSE(shadow.Request(1)) << "capacity 0 caches nothing";
  shadow.Reset(10);
  EXPECT_FALSE(shadow.Request(1));
  EXPECT_TRUE(shadow.Request(1));
  for (uint64_t h = 2; h < 100; ++h) shadow.Request(h);
  EXPECT_EQ(shadow.size(), 10u);
  size_t bytes = shadow.MemoryBytes();
  EXPECT_GE(bytes, 10 * 72u);
  shadow.Reset(20);
  EXPECT_EQ(shadow.size(), 0u);
  EXPECT_EQ(shadow.capacity(), 20u);
  EXPECT_FALSE(shadow.Request(99));
  shadow.Reset(0);
  EXPECT_EQ(shadow.MemoryBytes(), 0u);
}

// Fake entries carry an LFU counter as the shard's entries do (gdsf reads it): a key read often
// outranks keys read once, where recency alone would evict it first.
TEST(ShadowCacheTest, FakeEntriesCountReadsForGdsf) {
  ShadowCache shadow(PolicyRegistry::Builtin().Create("gdsf"));
  shadow.Reset(3);
  EXPECT_FALSE(shadow.Request(1));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(shadow.Request(1));
  EXPECT_FALSE(shadow.Request(2));
  EXPECT_FALSE(shadow.Request(3));
  EXPECT_FALSE(shadow.Request(4));  // evicts 2, the oldest of the keys read once
  EXPECT_TRUE(shadow.Request(1));
  EXPECT_TRUE(shadow.Request(3));
  EXPECT_FALSE(shadow.Request(2));
}

// With a byte capacity, entries are charged what the caller says and a large one evicts as many
// as it needs; one larger than the whole shadow is not cached.
TEST(ShadowCacheTest, ByteCapacityEvictsByCharge) {
  ShadowCache shadow(PolicyRegistry::Builtin().Create("lru"));
  shadow.Reset(100, nullptr, /*byte_capacity=*/1000);
  for (uint64_t h = 1; h <= 10; ++h) EXPECT_FALSE(shadow.Request(h, 100));
  EXPECT_EQ(shadow.size(), 10u);
  EXPECT_FALSE(shadow.Request(11, 450));  // evicts the five oldest
  EXPECT_EQ(shadow.size(), 6u);
  EXPECT_TRUE(shadow.Request(6, 100));
  EXPECT_FALSE(shadow.Request(5, 100)) << "evicted for 11";
  EXPECT_FALSE(shadow.Request(12, 5000));
  EXPECT_FALSE(shadow.Request(12, 5000)) << "larger than the shadow: never cached";
}

}  // namespace
}  // namespace cairn::eviction
