// One contract suite, run against every built-in policy created through the registry by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "cairn/eviction/policy.h"
#include "cairn/eviction/registry.h"
#include "entry_pool.h"
#include "resident_set.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;
using testing::ResidentSet;

// kInsertionOrder: with no accesses and equal counters, victims come in insertion order (not
// so for tinylfu, whose admission filter evicts the newest of two equally popular entries).
// kMaxWork: the most work() one call may do (the policy's documented per-call bound).
template <bool kEvictsV, bool kInsertionOrderV, uint64_t kMaxWorkV>
struct SpecBase {
  static constexpr bool kEvicts = kEvictsV;
  static constexpr bool kInsertionOrder = kInsertionOrderV;
  static constexpr uint64_t kMaxWork = kMaxWorkV;
};
struct LruSpec : SpecBase<true, true, 8> {
  static constexpr const char* kName = "lru";
};
struct LfuSpec : SpecBase<true, true, 8> {
  static constexpr const char* kName = "lfu";
};
struct FifoSpec : SpecBase<true, true, 8> {
  static constexpr const char* kName = "fifo";
};
struct NoEvictionSpec : SpecBase<false, true, 0> {
  static constexpr const char* kName = "noeviction";
};
struct SieveSpec : SpecBase<true, true, 1 + 64 + 1> {  // kMaxScan steps + the victim
  static constexpr const char* kName = "sieve";
};
struct SlruSpec : SpecBase<true, true, 8> {
  static constexpr const char* kName = "slru";
};
struct S3FifoSpec : SpecBase<true, true, 2 * 64 + 2> {  // kMaxScan moves of 2 + the victim
  static constexpr const char* kName = "s3fifo";
};
struct ArcSpec : SpecBase<true, true, 8> {
  static constexpr const char* kName = "arc";
};
struct TinyLfuSpec : SpecBase<true, false, 8> {
  static constexpr const char* kName = "tinylfu";
};
struct GdsfSpec : SpecBase<true, true, 1 + 127 + 1> {  // 127 empty buckets + the victim
  static constexpr const char* kName = "gdsf";
};
// One call of the running expert, one request per shadow (5) and migrate_step (2) moves, each
// within the largest expert bound (s3fifo's).
struct AdaptiveSpec : SpecBase<true, false, (1 + 5 + 2) * (2 * 64 + 2)> {
  static constexpr const char* kName = "adaptive";
};

template <typename Spec>
class PolicyContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = PolicyRegistry::Builtin().Create(Spec::kName);
    ASSERT_NE(policy_, nullptr);
  }

  // Inserts `n` fresh entries (same counter, same time) and returns them in insertion order.
  std::vector<Entry*> InsertN(size_t n) {
    std::vector<Entry*> out;
    for (size_t i = 0; i < n; ++i) {
      Entry* e = pool_.Make(next_id_++);
      policy_->OnInsert(*e);
      out.push_back(e);
    }
    return out;
  }

  // Picks and erases victims until the policy has none; every victim must be resident and is
  // removed from `resident`. Returns the victims in order.
  std::vector<Entry*> Drain(ResidentSet& resident, uint32_t now_s = kT0) {
    std::vector<Entry*> victims;
    while (Entry* v = policy_->PickVictim(now_s)) {
      EXPECT_TRUE(resident.Remove(v)) << "non-resident or repeated victim " << v->key();
      if (::testing::Test::HasFailure()) break;
      policy_->OnErase(*v);
      victims.push_back(v);
    }
    return victims;
  }

  // With no accesses and equal counters, every ordering built-in evicts in insertion order.
  void ExpectDrainOrder(const std::vector<Entry*>& expected) {
    ResidentSet resident;
    for (Entry* e : expected) resident.Add(e);
    std::vector<Entry*> victims = Drain(resident);
    if (Spec::kEvicts && Spec::kInsertionOrder) {
      EXPECT_EQ(victims, expected);
    } else if (Spec::kEvicts) {
      std::vector<Entry*> sorted_victims = victims, sorted_expected = expected;
      std::sort(sorted_victims.begin(), sorted_victims.end());
      std::sort(sorted_expected.begin(), sorted_expected.end());
      EXPECT_EQ(sorted_victims, sorted_expected);
    } else {
      EXPECT_TRUE(victims.empty());
    }
  }

  EntryPool pool_;
  std::unique_ptr<EvictionPolicy> policy_;
  uint64_t next_id_ = 0;
};

using AllPolicies =
    ::testing::Types<LruSpec, LfuSpec, FifoSpec, NoEvictionSpec, SieveSpec, SlruSpec, S3FifoSpec,
                     ArcSpec, TinyLfuSpec, AdaptiveSpec, GdsfSpec>;
TYPED_TEST_SUITE(PolicyContractTest, AllPolicies);

TYPED_TEST(PolicyContractTest, NameIsCanonical) {
  EXPECT_EQ(this->policy_->name(), TypeParam::kName);
}

TYPED_TEST(PolicyContractTest, EmptyPolicyHasNoVictim) {
  EXPECT_EQ(this->policy_->PickVictim(kT0), nullptr);
}

TYPED_TEST(PolicyContractTest, DrainReturnsEveryResidentEntryExactlyOnce) {
  constexpr size_t kN = 2000;
  std::mt19937_64 rng(1);
  ResidentSet resident;
  for (Entry* e : this->InsertN(kN)) resident.Add(e);
  // Mix in accesses (counters and recency change) across a few simulated minutes.
  for (int i = 0; i < 5000; ++i) {
    this->pool_.Touch(*this->policy_, *resident.Random(rng), kT0 + i / 50);
  }
  std::vector<Entry*> victims = this->Drain(resident, kT0 + 600);
  if (TypeParam::kEvicts) {
    EXPECT_EQ(victims.size(), kN);
    EXPECT_TRUE(resident.empty());
  } else {
    EXPECT_TRUE(victims.empty());
    EXPECT_EQ(resident.size(), kN);
  }
}

TYPED_TEST(PolicyContractTest, EraseFromTheMiddle) {
  std::vector<Entry*> entries = this->InsertN(10);
  std::vector<Entry*> kept;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i == 0 || i == 4 || i == 5 || i == 9) {
      this->policy_->OnErase(*entries[i]);  // head, two adjacent middles, tail
    } else {
      kept.push_back(entries[i]);
    }
  }
  this->ExpectDrainOrder(kept);
}

TYPED_TEST(PolicyContractTest, EraseEverythingLeavesNoVictim) {
  std::vector<Entry*> entries = this->InsertN(5);
  for (Entry* e : {entries[2], entries[0], entries[4], entries[1], entries[3]}) {
    this->policy_->OnErase(*e);
  }
  EXPECT_EQ(this->policy_->PickVictim(kT0), nullptr);
  // Still usable afterwards.
  std::vector<Entry*> more = this->InsertN(3);
  this->ExpectDrainOrder(more);
}

TYPED_TEST(PolicyContractTest, ReplaceKeepsThePosition) {
  for (size_t replaced = 0; replaced < 3; ++replaced) {  // head, middle, tail
    std::vector<Entry*> entries = this->InsertN(3);
    Entry* old = entries[replaced];
    entries[replaced] = this->pool_.Replace(*this->policy_, *old);
    EXPECT_EQ(entries[replaced]->key(), old->key());
    this->ExpectDrainOrder(entries);
  }
}

TYPED_TEST(PolicyContractTest, ReplacedEntryCanBeAccessedAndErased) {
  std::vector<Entry*> entries = this->InsertN(3);
  Entry* fresh = this->pool_.Replace(*this->policy_, *entries[1]);
  this->pool_.Touch(*this->policy_, *fresh, kT0);
  this->policy_->OnErase(*fresh);
  this->ExpectDrainOrder({entries[0], entries[2]});
}

TYPED_TEST(PolicyContractTest, ClearDropsAllReferences) {
  std::vector<Entry*> first = this->InsertN(100);
  for (int i = 0; i < 50; ++i) this->pool_.Touch(*this->policy_, *first[i * 2], kT0);
  this->policy_->Clear();
  EXPECT_EQ(this->policy_->PickVictim(kT0), nullptr);
  // Entries come back with stale links (as after a policy swap or a flush): OnInsert must not
  // trust them.
  std::vector<Entry*> again;
  for (int i = 99; i >= 90; --i) {
    first[i]->set_freq(lfu::kInitVal);
    this->policy_->OnInsert(*first[i]);
    again.push_back(first[i]);
  }
  this->ExpectDrainOrder(again);
}

TYPED_TEST(PolicyContractTest, PickVictimWithoutEraseNamesTheSameEntry) {
  std::vector<Entry*> entries = this->InsertN(50);
  for (int i = 0; i < 50; i += 3) this->pool_.Touch(*this->policy_, *entries[i], kT0);
  Entry* first = this->policy_->PickVictim(kT0);
  EXPECT_EQ(this->policy_->PickVictim(kT0), first);
}

// What the shard does for a multi-key write whose own keys come up as victims: detach them
// (OnErase), evict something else, and re-attach them (OnInsert).
TYPED_TEST(PolicyContractTest, DetachedVictimsCanBeReattached) {
  if (!TypeParam::kEvicts) GTEST_SKIP() << "no victims";
  std::mt19937_64 rng(3);
  ResidentSet resident;
  for (Entry* e : this->InsertN(300)) resident.Add(e);
  for (int i = 0; i < 600; ++i) this->pool_.Touch(*this->policy_, *resident.Random(rng), kT0);
  for (int round = 0; round < 50; ++round) {
    std::vector<Entry*> detached;
    Entry* victim = nullptr;
    for (int k = 0; k < 3; ++k) {
      Entry* v = this->policy_->PickVictim(kT0);
      ASSERT_NE(v, nullptr);
      ASSERT_TRUE(resident.Contains(v));
      this->policy_->OnErase(*v);
      if (k < 2) {
        detached.push_back(v);  // "protected": comes back
      } else {
        victim = v;
      }
    }
    resident.Remove(victim);
    for (Entry* d : detached) this->policy_->OnInsert(*d);
    Entry* fresh = this->pool_.Make(this->next_id_++);
    this->policy_->OnInsert(*fresh);
    resident.Add(fresh);
  }
  std::vector<Entry*> victims = this->Drain(resident);
  EXPECT_EQ(victims.size(), 300u);
  EXPECT_TRUE(resident.empty());
}

// Ghosts, sketches and shadows are bounded by a constant per resident entry, and Clear()
// releases them.
TYPED_TEST(PolicyContractTest, MetadataIsBoundedPerResidentEntry) {
  constexpr size_t kResident = 20'000;
  ResidentSet resident;
  for (Entry* e : this->InsertN(kResident)) resident.Add(e);
  if (TypeParam::kEvicts) {
    std::mt19937_64 rng(11);
    for (int i = 0; i < 200'000; ++i) {  // ten cache turnovers of one-time keys, some hits
      if (i % 3 == 0) {
        this->pool_.Touch(*this->policy_, *resident.Random(rng), kT0);
        continue;
      }
      Entry* v = this->policy_->PickVictim(kT0);
      ASSERT_TRUE(resident.Remove(v));
      this->policy_->OnErase(*v);
      Entry* e = this->pool_.Make(this->next_id_++);
      this->policy_->OnInsert(*e);
      resident.Add(e);
    }
  }
  EXPECT_LE(this->policy_->MetadataBytes(), 64 * kResident + 64 * 1024);
  this->policy_->Clear();
  EXPECT_LE(this->policy_->MetadataBytes(), 64u * 1024);
}

// Counts work (entries touched) over a long mixed workload at 100,000 resident entries: the
// average and the maximum per policy call must stay below small constants. A policy that scans
// would show work proportional to the number of resident entries.
TYPED_TEST(PolicyContractTest, WorkPerOperationIsConstantAt100kEntries) {
  constexpr size_t kResident = 100'000;
  constexpr int kOps = 300'000;
  std::mt19937_64 rng(7);
  ResidentSet resident;
  for (Entry* e : this->InsertN(kResident)) resident.Add(e);
  // Spread counters over many buckets and make some entries hot.
  for (int i = 0; i < 200'000; ++i) {
    Entry* e = resident.Random(rng);
    if (i % 4 == 0) e->set_freq(static_cast<uint8_t>(rng() % 256));
    this->pool_.Touch(*this->policy_, *e, kT0);
  }

  EvictionPolicy& p = *this->policy_;
  uint64_t start = p.work();
  uint64_t calls = 0;
  uint64_t max_call = 0;
  auto measure = [&](auto&& call) {
    uint64_t before = p.work();
    call();
    ++calls;
    max_call = std::max(max_call, p.work() - before);
  };
  auto insert_new = [&](uint32_t now) {
    Entry* e = this->pool_.Make(this->next_id_++, lfu::kInitVal, now);
    measure([&] { p.OnInsert(*e); });
    resident.Add(e);
  };
  uint32_t now = kT0;
  for (int i = 0; i < kOps; ++i) {
    if (i % 100 == 0) now += 7;  // simulated time passes, so LFU aging really moves entries
    switch (rng() % 4) {
      case 0:
      case 1: {
        Entry* e = resident.Random(rng);
        measure([&] { this->pool_.Touch(p, *e, now); });
        break;
      }
      case 2: {  // evict one, insert one
        Entry* v = nullptr;
        measure([&] { v = p.PickVictim(now); });
        if (v == nullptr) break;
        ASSERT_TRUE(resident.Remove(v));
        measure([&] { p.OnErase(*v); });
        insert_new(now);
        break;
      }
      case 3: {  // delete one, insert one
        Entry* d = resident.Random(rng);
        resident.Remove(d);
        measure([&] { p.OnErase(*d); });
        insert_new(now);
        break;
      }
    }
  }
  double per_call = static_cast<double>(p.work() - start) / static_cast<double>(calls);
  EXPECT_LE(per_call, 3.0);
  EXPECT_LE(max_call, TypeParam::kMaxWork);
  EXPECT_EQ(resident.size(), kResident);
}

}  // namespace
}  // namespace cairn
