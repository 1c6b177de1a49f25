// adaptive: shadows pick the better expert, the switch migrates entries incrementally and
// never loses or duplicates one; composable policies keep the owner bit.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "cairn/eviction/registry.h"
#include "entry_pool.h"
#include "eviction/adaptive.h"
#include "eviction/policy_tag.h"
#include "eviction/s3fifo.h"
#include "eviction/tinylfu.h"
#include "mini_cache.h"
#include "resident_set.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;
using testing::MiniCache;
using testing::ResidentSet;

AdaptivePolicy::Expert Named(const std::string& name) {
  return {name, [name] { return PolicyRegistry::Builtin().Create(name); }};
}

// A working set of 2000 keys, uniformly re-read, interleaved with one-time keys: LRU keeps the
// working set (reuse distance ~4000 requests, ~3000 distinct keys < 4096), FIFO keeps evicting
// it on schedule. lru's hit ratio is far above fifo's.
uint64_t NextKey(std::mt19937_64& rng, uint64_t& cold) {
  return rng() % 3 == 0 ? 1'000'000 + cold++ : rng() % 2000;
}

TEST(AdaptiveTest, SwitchesToTheBetterExpertAndMigrates) {
  AdaptivePolicy p({Named("fifo"), Named("lru")}, {});
  EXPECT_EQ(p.active_expert(), "fifo");
  MiniCache cache(p, 4096);
  std::mt19937_64 rng(1);
  uint64_t cold = 0;
  for (int i = 0; i < 400'000 && p.switches() == 0; ++i) cache.Request(NextKey(rng, cold));
  ASSERT_EQ(p.switches(), 1u);
  EXPECT_EQ(p.active_expert(), "lru");
  EXPECT_GT(p.score(1), p.score(0) + 0.01);
  EXPECT_EQ(p.sample_rate(), 16u) << "floor_pow2(min(sqrt(4096) / 2, 4096 / 192))";
  EXPECT_EQ(p.shadow_capacity(), 256u);
  EXPECT_TRUE(p.migrating());
  // Migration completes within capacity / migrate_step operations.
  for (int i = 0; i < 4096 && p.migrating(); ++i) cache.Request(NextKey(rng, cold));
  EXPECT_FALSE(p.migrating());
  // And the cache now performs like lru.
  cache.ResetStats();
  for (int i = 0; i < 50'000; ++i) cache.Request(NextKey(rng, cold));
  EXPECT_GT(cache.HitRatio(), 0.55);
  EXPECT_EQ(p.switches(), 1u) << "no flapping once the better expert runs";
}

TEST(AdaptiveTest, StaysWithTheBetterExpert) {
  AdaptivePolicy p({Named("lru"), Named("fifo")}, {});
  MiniCache cache(p, 4096);
  std::mt19937_64 rng(2);
  uint64_t cold = 0;
  for (int i = 0; i < 300'000; ++i) cache.Request(NextKey(rng, cold));
  EXPECT_EQ(p.switches(), 0u);
  EXPECT_EQ(p.active_expert(), "lru");
  EXPECT_GT(p.score(0), p.score(1));
}

// Leaving a floor expert takes margin + floor_margin: fifo as the floor with a 50-point floor
// margin is kept although lru beats it by far more than `margin` (it switches at once without
// the floor: SwitchesToTheBetterExpertAndMigrates).
TEST(AdaptiveTest, LeavingTheFloorExpertTakesALargerLead) {
  AdaptivePolicy::Expert floor = Named("fifo");
  floor.floor = true;
  AdaptivePolicy::Tuning tuning;
  tuning.floor_margin = 0.5;
  AdaptivePolicy p({floor, Named("lru")}, tuning);
  MiniCache cache(p, 4096);
  std::mt19937_64 rng(1);
  uint64_t cold = 0;
  for (int i = 0; i < 400'000; ++i) cache.Request(NextKey(rng, cold));
  EXPECT_EQ(p.switches(), 0u);
  EXPECT_EQ(p.active_expert(), "fifo");
  EXPECT_GT(p.score(1), p.score(0) + 0.05) << "lru leads by more than margin + default floor";
}

// A lead larger than early_lead switches during the warm-up epochs; a smaller one waits for them.
TEST(AdaptiveTest, ALargeLeadSwitchesDuringWarmUp) {
  for (double early_lead : {0.03, 1.0}) {
    AdaptivePolicy::Tuning tuning;
    tuning.warmup_epochs = 1000;  // far more epochs than the run has
    tuning.early_lead = early_lead;
    AdaptivePolicy p({Named("fifo"), Named("lru")}, tuning);
    MiniCache cache(p, 4096);
    std::mt19937_64 rng(1);
    uint64_t cold = 0;
    for (int i = 0; i < 100'000; ++i) cache.Request(NextKey(rng, cold));
    EXPECT_EQ(p.switches(), early_lead < 1 ? 1u : 0u) << early_lead;
    EXPECT_EQ(p.active_expert(), early_lead < 1 ? "lru" : "fifo") << early_lead;
  }
}

// floor_gap is the real cache's hit ratio minus the floor expert's shadow's: clearly negative
// while a worse expert runs (fifo, held by a margin it cannot win), near zero while the floor
// itself runs.
TEST(AdaptiveTest, FloorGapMeasuresWhatLeavingTheFloorCosts) {
  AdaptivePolicy::Expert floor = Named("lru");
  floor.floor = true;
  AdaptivePolicy::Tuning stuck;
  stuck.margin = 1.0;
  stuck.early_lead = 1.0;
  AdaptivePolicy off_floor({Named("fifo"), floor}, stuck);
  AdaptivePolicy on_floor({floor, Named("fifo")}, stuck);
  for (AdaptivePolicy* p : {&off_floor, &on_floor}) {
    MiniCache cache(*p, 4096);
    std::mt19937_64 rng(5);
    uint64_t cold = 0;
    for (int i = 0; i < 400'000; ++i) cache.Request(NextKey(rng, cold));
    EXPECT_EQ(p->switches(), 0u);
  }
  EXPECT_LT(off_floor.floor_gap(), -0.05) << "fifo runs, lru's shadow hits far more";
  EXPECT_NEAR(on_floor.floor_gap(), 0.0, 0.03) << "lru runs: the shadow predicts the cache";
}

// Entering the floor on a near-tie goes to the other expert instead (Tuning::floor_tie): two lru
// shadows see the same sampled requests and score exactly alike, one the floor and one not.
// With the tie rule the switch from fifo goes to the twin; without it, to the floor (listed
// first, so the first of equal scores).
TEST(AdaptiveTest, ANearTieWithTheFloorGoesToTheOtherExpert) {
  AdaptivePolicy::Expert floor = Named("lru");
  floor.floor = true;
  AdaptivePolicy::Expert twin = Named("lru");
  twin.name = "lru-twin";
  for (double tie : {0.0025, 0.0}) {
    AdaptivePolicy::Tuning tuning;
    tuning.floor_tie = tie;
    AdaptivePolicy p({Named("fifo"), floor, twin}, tuning);
    MiniCache cache(p, 4096);
    std::mt19937_64 rng(1);
    uint64_t cold = 0;
    for (int i = 0; i < 400'000 && p.switches() == 0; ++i) cache.Request(NextKey(rng, cold));
    ASSERT_EQ(p.switches(), 1u) << tie;
    EXPECT_DOUBLE_EQ(p.score(1), p.score(2)) << "the same requests in the same policy";
    EXPECT_EQ(p.active_expert(), tie > 0 ? "lru-twin" : "lru") << tie;
  }
}

TEST(AdaptiveTest, EveryEntryDrainsExactlyOnceInTheMiddleOfAMigration) {
  AdaptivePolicy p({Named("fifo"), Named("lru")}, {});
  EntryPool pool;
  ResidentSet resident;
  std::mt19937_64 rng(3);
  uint64_t cold = 0;
  std::unordered_map<uint64_t, Entry*> index;
  auto request = [&](uint64_t id) {
    if (auto it = index.find(id); it != index.end()) {
      pool.Touch(p, *it->second, kT0);
      return;
    }
    if (index.size() >= 4096) {
      Entry* v = p.PickVictim(kT0);
      ASSERT_TRUE(resident.Remove(v));
      p.OnErase(*v);
      index.erase(std::stoull(std::string(v->key().substr(4))));
    }
    Entry* e = pool.Make(id);
    p.OnInsert(*e);
    resident.Add(e);
    index[id] = e;
  };
  for (int i = 0; i < 400'000 && p.switches() == 0; ++i) request(NextKey(rng, cold));
  ASSERT_TRUE(p.migrating());
  for (int i = 0; i < 500; ++i) request(NextKey(rng, cold));  // part way
  ASSERT_TRUE(p.migrating());
  // Deletes and replacements reach whichever expert owns the entry.
  for (int i = 0; i < 100; ++i) {
    Entry* e = resident.Random(rng);
    resident.Remove(e);
    index.erase(std::stoull(std::string(e->key().substr(4))));
    p.OnErase(*e);
    Entry* old = resident.Random(rng);
    Entry* fresh = pool.Replace(p, *old);
    resident.Remove(old);
    resident.Add(fresh);
    index[std::stoull(std::string(fresh->key().substr(4)))] = fresh;
  }
  size_t n = resident.size();
  size_t drained = 0;
  while (Entry* v = p.PickVictim(kT0)) {
    ASSERT_TRUE(resident.Remove(v)) << "non-resident or repeated victim";
    p.OnErase(*v);
    ++drained;
  }
  EXPECT_EQ(drained, n);
  EXPECT_FALSE(p.migrating());
}

TEST(AdaptiveTest, ShadowsStartAtTheFirstEvictionAndCostLittle) {
  AdaptivePolicy p;
  MiniCache cache(p, 50'000);
  for (uint64_t k = 0; k < 50'000; ++k) cache.Request(k);
  EXPECT_EQ(p.sample_rate(), 0u) << "capacity unknown until the cache is full";
  for (uint64_t k = 50'000; k < 60'000; ++k) cache.Request(k);
  EXPECT_EQ(p.sample_rate(), 64u);  // floor_pow2(sqrt(50000) / 2): shadows of ~2 x sqrt(c)
  EXPECT_EQ(p.shadow_capacity(), 50'000u / 64);
  // The running s3fifo's ghost (as much as s3fifo alone), the standby tinylfu's sketch (64 Ki
  // words for 50k entries), four shadows of 781 entries at ~100 bytes plus their own metadata.
  S3FifoPolicy alone;
  MiniCache reference(alone, 50'000);
  for (uint64_t k = 0; k < 60'000; ++k) reference.Request(k);
  const size_t standby_and_shadows = 8u * 65'536 + 4 * 781 * 72;
  EXPECT_LE(p.MetadataBytes(), alone.MetadataBytes() + 2 * standby_and_shadows);
  EXPECT_GE(p.MetadataBytes(), alone.MetadataBytes() + standby_and_shadows) << "all counted";
  p.Clear();
  EXPECT_EQ(p.sample_rate(), 0u);
}

TEST(AdaptiveTest, SmallCachesGetFullSizeShadows) {
  // A 204-key cache (1% of a 20k-key trace): sampling would leave a handful of keys per shadow,
  // too few to tell the experts apart, so below 2 x shadow_entries (384) every key is
  // simulated.
  AdaptivePolicy p;
  MiniCache cache(p, 204);
  for (uint64_t k = 0; k < 1000; ++k) cache.Request(k);
  EXPECT_EQ(p.sample_rate(), 1u);
  EXPECT_EQ(p.shadow_capacity(), 204u);
}

// 2000 small keys (10-byte values, ~82-byte charges) re-read uniformly, and one request in three
// for a one-time 2 KB value: under a byte limit every size-oblivious policy lets each large cold
// value push out ~25 small hot ones; gdsf evicts the large ones first.
struct MixedSizes {
  void Run(MiniCache& cache, int requests) {
    for (int i = 0; i < requests; ++i) {
      if (rng() % 3 == 0) {
        cache.Request(1'000'000 + cold++, 2'000);
      } else {
        cache.Request(rng() % 2000, 10);
      }
    }
  }
  std::mt19937_64 rng{7};
  uint64_t cold = 0;
};

TEST(AdaptiveTest, ByteLimitWithMixedSizesRunsGdsf) {
  constexpr uint64_t kBytes = 150'000;  // the hot set's charge is ~165 KB
  AdaptivePolicy p;
  MiniCache cache(p, SIZE_MAX, kBytes);
  MixedSizes traffic;
  traffic.Run(cache, 60'000);
  EXPECT_TRUE(p.by_bytes());
  EXPECT_EQ(p.active_expert(), "gdsf");
  cache.ResetStats();
  traffic.Run(cache, 20'000);
  // Against the best size-oblivious expert alone.
  auto s3fifo = PolicyRegistry::Builtin().Create("s3fifo");
  MiniCache reference(*s3fifo, SIZE_MAX, kBytes);
  MixedSizes same;
  same.Run(reference, 60'000);
  reference.ResetStats();
  same.Run(reference, 20'000);
  EXPECT_GT(cache.HitRatio(), reference.HitRatio() + 0.05)
      << cache.HitRatio() << " vs s3fifo " << reference.HitRatio();
}

TEST(AdaptiveTest, CountLimitNeverRunsGdsf) {
  AdaptivePolicy p;
  MiniCache cache(p, 1500);  // the same traffic, limited by entries
  MixedSizes traffic;
  traffic.Run(cache, 60'000);
  EXPECT_FALSE(p.by_bytes());
  EXPECT_NE(p.active_expert(), "gdsf");
  EXPECT_EQ(p.score(4), 0.0) << "gdsf's shadow is not even run";
}

// A count limit shared by several shards (the server's budget) makes each shard evict at a count
// that moves, which looks like a byte limit to the victims-only inference; told the limit, the
// policy is not fooled. (The first run, not told, shows the inference is fooled.)
TEST(AdaptiveTest, ToldLimitByEntriesIsNotMistakenForBytes) {
  for (bool tell : {false, true}) {
    AdaptivePolicy p;
    EntryPool pool;
    std::unordered_map<uint64_t, Entry*> index;
    std::mt19937_64 rng(11);
    uint64_t cold = 0;
    for (int i = 0; i < 60'000; ++i) {
      const uint64_t id = NextKey(rng, cold);
      if (auto it = index.find(id); it != index.end()) {
        pool.Touch(p, *it->second, kT0);
        continue;
      }
      const size_t limit = 1400 + rng() % 200;  // this shard's share of a global count
      while (index.size() >= limit) {
        if (tell) p.OnLimit(EvictionPolicy::Limit::kEntries);
        Entry* v = p.PickVictim(kT0);
        p.OnErase(*v);
        index.erase(std::stoull(std::string(v->key().substr(4))));
      }
      Entry* e = pool.Make(id);
      p.OnInsert(*e);
      index[id] = e;
    }
    EXPECT_EQ(p.by_bytes(), !tell) << (tell ? "told" : "inferred");
  }
}

TEST(AdaptiveTest, DefaultExperts) {
  auto p = PolicyRegistry::Builtin().Create("adaptive");
  ASSERT_NE(p, nullptr);
  auto* a = dynamic_cast<AdaptivePolicy*>(p.get());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->active_expert(), "s3fifo");
  auto experts = AdaptivePolicy::DefaultExperts();
  std::vector<std::string> names;
  for (const auto& x : experts) names.push_back(x.name);
  EXPECT_EQ(names, (std::vector<std::string>{"s3fifo", "tinylfu", "arc", "lru", "gdsf"}));
  for (const auto& x : experts) EXPECT_EQ(x.standby, x.name == "tinylfu") << x.name;
  for (const auto& x : experts) EXPECT_EQ(x.floor, x.name == "lru") << x.name;
  for (const auto& x : experts) EXPECT_EQ(x.bytes_only, x.name == "gdsf") << x.name;
}

// A frequency expert that is not running keeps counting (OnStandby), so when the workload turns
// to it, it starts with the history its shadow had, not with an empty sketch.
TEST(AdaptiveTest, StandbyExpertKeepsItsHistory) {
  TinyLfuPolicy t(/*adaptive=*/false);
  const uint64_t hot = 0x1234'5678'9abc'def0ULL;
  for (int i = 0; i < 10; ++i) t.OnStandby(hot, 1000);
  t.OnStandby(hot + 1, 1000);
  EXPECT_EQ(t.sketch().Frequency(hot), 0) << "staged: applied in batches";
  t.SettleStandby();  // what the policy's own calls do before reading the sketch
  EXPECT_GE(t.sketch().Frequency(hot), 10);
  EXPECT_GE(t.sketch().Frequency(hot + 1), 1);
  EXPECT_LE(t.sketch().Frequency(hot + 1), 2);
  EXPECT_GE(t.sketch().capacity(), 1000u) << "sized for the cache it stands in for";
  EXPECT_EQ(t.window_size() + t.probation_size() + t.protected_size(), 0u) << "holds no entry";

  // Through the composite: tinylfu stands by while fifo runs, and a switch resumes it with its
  // sketch; the parked instance is counted in MetadataBytes.
  AdaptivePolicy::Expert fifo = Named("fifo");
  AdaptivePolicy::Expert tiny = {
      "tinylfu", [] { return std::make_unique<TinyLfuPolicy>(/*adaptive=*/false); }, true};
  AdaptivePolicy p({fifo, tiny}, {});
  AdaptivePolicy q({fifo, {tiny.name, tiny.make, false}}, {});
  EXPECT_GT(p.MetadataBytes(), q.MetadataBytes());
}

// MetadataBytes adds a cached figure for the parked experts (the shard reads it before every
// eviction): it must follow the parked sketch as it grows with the resident count.
TEST(AdaptiveTest, ParkedExpertBytesFollowTheirGrowth) {
  auto tiny = [] { return std::make_unique<TinyLfuPolicy>(/*adaptive=*/false); };
  AdaptivePolicy p({Named("fifo"), {"tinylfu", tiny, /*standby=*/true}}, {});
  AdaptivePolicy q({Named("fifo"), {"tinylfu", tiny, /*standby=*/false}}, {});
  // A 100-entry cache evicts (the shadows and the standby start), then a larger one over the
  // same policy grows the resident count to 3100 without evicting.
  MiniCache small_p(p, 100), small_q(q, 100);
  MiniCache large_p(p, 10'000), large_q(q, 10'000);
  for (uint64_t k = 0; k < 200; ++k) {
    small_p.Request(k);
    small_q.Request(k);
  }
  const size_t before = p.MetadataBytes() - q.MetadataBytes();
  for (uint64_t k = 0; k < 3000; ++k) {
    large_p.Request(1'000'000 + k);
    large_q.Request(1'000'000 + k);
  }
  eviction::FrequencySketch expected;
  expected.EnsureCapacity(3100);
  EXPECT_EQ(p.MetadataBytes() - q.MetadataBytes(), expected.MemoryBytes())
      << "the parked sketch, sized for 3100 entries";
  EXPECT_GT(p.MetadataBytes() - q.MetadataBytes(), before);
}

// Composable policies (usable as experts) must leave bit 7 of policy_tag alone.
class OwnerBitTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OwnerBitTest, PolicyKeepsTheOwnerBit) {
  auto p = PolicyRegistry::Builtin().Create(GetParam());
  EntryPool pool;
  ResidentSet resident;
  std::mt19937_64 rng(8);
  uint64_t id = 0;
  auto insert = [&] {
    Entry* e = pool.Make(id++);
    eviction::SetOwnerBit(*e, true);
    p->OnInsert(*e);
    resident.Add(e);
  };
  for (int i = 0; i < 500; ++i) insert();
  for (int i = 0; i < 20'000; ++i) {
    switch (rng() % 4) {
      case 0:
      case 1:
        pool.Touch(*p, *resident.Random(rng), kT0);
        break;
      case 2: {
        Entry* v = p->PickVictim(kT0);
        resident.Remove(v);
        p->OnErase(*v);
        insert();
        break;
      }
      case 3: {  // as the composite does: the fresh allocation inherits the whole tag
        Entry* old = resident.Random(rng);
        Entry* fresh = pool.Make(old->key(), old->freq(), old->last_access_s());
        fresh->policy_tag = old->policy_tag;
        p->OnReplace(*old, *fresh);
        resident.Remove(old);
        resident.Add(fresh);
        break;
      }
    }
  }
  while (!resident.empty()) {
    Entry* v = p->PickVictim(kT0);
    ASSERT_TRUE(eviction::OwnerBit(*v)) << GetParam();
    resident.Remove(v);
    p->OnErase(*v);
  }
}

INSTANTIATE_TEST_SUITE_P(Composable, OwnerBitTest,
                         ::testing::Values("lru", "fifo", "sieve", "slru", "s3fifo", "arc",
                                           "tinylfu", "gdsf"));

}  // namespace
}  // namespace cairn
