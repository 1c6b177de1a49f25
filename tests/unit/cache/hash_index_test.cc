#include "cache/hash_index.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cairn/common/hash.h"

namespace cairn {
namespace {

// A seeded xorshift64 generator: the same run every time.
struct XorShift {
  explicit XorShift(uint64_t seed) : state(seed) {}
  uint64_t operator()() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  uint64_t state;
};

// Entries owned by the test; the index only points at them.
class HashIndexTest : public ::testing::Test {
 protected:
  ~HashIndexTest() override {
    for (auto& [key, e] : entries_) std::free(e);
  }

  Entry* Make(const std::string& key, const std::string& value = "v") {
    void* mem = std::malloc(Entry::AllocSize(key.size(), value.size()));
    Entry* e = Entry::Construct(mem, key, value);
    entries_.emplace(key, e);
    return e;
  }
  Entry* Add(const std::string& key) {
    Entry* e = Make(key);
    index_.Insert(e, HashKey(key));
    return e;
  }
  void Drop(const std::string& key) {
    auto it = entries_.find(key);
    index_.Remove(it->second, HashKey(key));
    std::free(it->second);
    entries_.erase(it);
  }
  Entry* Find(const std::string& key) const { return index_.Find(key, HashKey(key)); }
  void ExpectExactMemory() const {
    EXPECT_EQ(index_.memory_bytes(), (index_.bucket_count() + index_.child_count()) * 64);
  }
  // Keys whose hash has the same low bits (home bucket in a table of `buckets`) and, when
  // `same_tag`, the same index tag as "seed".
  static std::vector<std::string> Colliding(size_t n, size_t buckets, bool same_tag) {
    const uint64_t want = HashKey("seed");
    std::vector<std::string> out;
    for (uint64_t i = 0; out.size() < n; ++i) {
      std::string k = "c:" + std::to_string(i);
      const uint64_t h = HashKey(k);
      if ((h & (buckets - 1)) != (want & (buckets - 1))) continue;
      if (same_tag && HashIndex::Tag(h) != HashIndex::Tag(want)) continue;
      out.push_back(k);
    }
    return out;
  }

  HashIndex index_;
  std::map<std::string, Entry*> entries_;
};

TEST_F(HashIndexTest, BucketIsOneCacheLine) {
  EXPECT_EQ(sizeof(HashIndex::Bucket), 64u);
  EXPECT_EQ(alignof(HashIndex::Bucket), 64u);
}

TEST_F(HashIndexTest, InsertFindRemoveReplace) {
  EXPECT_EQ(Find("absent"), nullptr);
  for (int i = 0; i < 2000; ++i) Add("key:" + std::to_string(i));
  EXPECT_EQ(index_.size(), 2000u);
  for (int i = 0; i < 2000; ++i) {
    const std::string k = "key:" + std::to_string(i);
    ASSERT_EQ(Find(k), entries_.at(k)) << k;
  }
  EXPECT_EQ(Find("key:2000"), nullptr);
  EXPECT_EQ(Find("key:1"), entries_.at("key:1"));
  EXPECT_EQ(Find("key:"), nullptr);  // a prefix of stored keys

  // The same key in another allocation takes the old one's slot.
  void* mem = std::malloc(Entry::AllocSize(5, 3));
  Entry* fresh = Entry::Construct(mem, "key:7", "new");
  Entry* old = entries_.at("key:7");
  index_.Replace(old, fresh, HashKey("key:7"));
  EXPECT_EQ(Find("key:7"), fresh);
  EXPECT_EQ(Find("key:7")->value(), "new");
  EXPECT_EQ(index_.size(), 2000u);
  index_.Replace(fresh, old, HashKey("key:7"));
  EXPECT_EQ(Find("key:7"), old);
  std::free(mem);

  for (int i = 0; i < 2000; i += 2) Drop("key:" + std::to_string(i));
  EXPECT_EQ(index_.size(), 1000u);
  for (int i = 0; i < 2000; ++i) {
    const std::string k = "key:" + std::to_string(i);
    EXPECT_EQ(Find(k) != nullptr, i % 2 == 1) << k;
  }
  ExpectExactMemory();
}

TEST_F(HashIndexTest, IdenticalTagsInOneBucketAreTellApartByKey) {
  // 30 keys in one home bucket of the 4-bucket table, all with the same tag: a chain of 5.
  const auto keys = Colliding(30, HashIndex::kMinBuckets, true);
  for (const auto& k : keys) Add(k);
  ASSERT_EQ(index_.bucket_count(), HashIndex::kMinBuckets);
  EXPECT_EQ(index_.child_count(), 4u);  // 6 + 6 + 6 + 6 + 6: home and four children
  for (const auto& k : keys) EXPECT_EQ(Find(k), entries_.at(k)) << k;
  EXPECT_EQ(Find("seed"), nullptr);  // same bucket and tag, not stored
  ExpectExactMemory();

  // Remove from the front of the chain: holes are filled from the last bucket.
  for (size_t i = 0; i < 20; ++i) {
    Drop(keys[i]);
    for (size_t j = i + 1; j < keys.size(); ++j) ASSERT_EQ(Find(keys[j]), entries_.at(keys[j]));
    EXPECT_EQ(Find(keys[i]), nullptr);
  }
  EXPECT_EQ(index_.size(), 10u);
  EXPECT_EQ(index_.child_count(), 1u);  // 6 + 4
  for (size_t i = 29; i > 26; --i) Drop(keys[i]);
  EXPECT_EQ(index_.child_count(), 1u);  // 6 + 1
  Drop(keys[26]);
  EXPECT_EQ(index_.child_count(), 0u);  // the child emptied: the home bucket has 6 of 7 slots
  for (size_t j = 20; j < 26; ++j) EXPECT_EQ(Find(keys[j]), entries_.at(keys[j]));
  Add(keys[26]);
  EXPECT_EQ(index_.child_count(), 0u);  // slot 6 is a slot again
  ExpectExactMemory();
}

TEST_F(HashIndexTest, OverflowChainsShrinkAsKeysLeaveFromAnyPosition) {
  const auto keys = Colliding(25, HashIndex::kMinBuckets, false);
  for (const auto& k : keys) Add(k);
  EXPECT_EQ(index_.child_count(), 3u);  // 6 + 6 + 6 + 7
  // Remove every third key, then the rest, checking the survivors after each removal.
  std::set<std::string> live(keys.begin(), keys.end());
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (live.count(keys[i]) == 0 || (pass == 0 && i % 3 != 0)) continue;
      Drop(keys[i]);
      live.erase(keys[i]);
      for (const auto& k : live) ASSERT_EQ(Find(k), entries_.at(k)) << k;
    }
  }
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_EQ(index_.child_count(), 0u);
  ExpectExactMemory();
}

TEST_F(HashIndexTest, GrowsPastEightKeysPerBucketAndShrinksWhenSparse) {
  for (int i = 0; i < 20000; ++i) {
    Add("k" + std::to_string(i));
    ASSERT_LE(index_.size(), index_.bucket_count() * HashIndex::kMaxLoad);
  }
  EXPECT_EQ(index_.bucket_count(), 4096u);  // 20000 / 8 -> 2500 -> 4096
  // Fewer than ~0.6 children per home bucket at this fill (4.9 keys per bucket).
  EXPECT_LT(index_.child_count(), index_.bucket_count() / 2);
  ExpectExactMemory();
  for (int i = 0; i < 20000; ++i) ASSERT_NE(Find("k" + std::to_string(i)), nullptr);
  for (int i = 0; i < 19990; ++i) Drop("k" + std::to_string(i));
  EXPECT_LE(index_.bucket_count(), 16u);
  for (int i = 19990; i < 20000; ++i) EXPECT_NE(Find("k" + std::to_string(i)), nullptr);
  for (int i = 19990; i < 20000; ++i) Drop("k" + std::to_string(i));
  EXPECT_EQ(index_.bucket_count(), HashIndex::kMinBuckets);
  EXPECT_EQ(index_.child_count(), 0u);
}

TEST_F(HashIndexTest, RandomInsertsAndRemovesMatchAReferenceSet) {
  // Few distinct keys over a long run: buckets overflow, chains form and empty, the table grows
  // and shrinks; after every operation the index holds exactly the reference set.
  XorShift next(0x9e3779b97f4a7c15ULL);
  for (int op = 0; op < 40000; ++op) {
    const size_t universe = op < 20000 ? 3000 : 60;  // then mostly removals: shrinks
    const std::string k = "u" + std::to_string(next() % universe);
    if (entries_.count(k) != 0) {
      Drop(k);
    } else if (op < 20000 || next() % 4 == 0) {
      Add(k);
    }
    ASSERT_EQ(index_.size(), entries_.size());
    if (op % 500 == 0) {
      for (const auto& [key, e] : entries_) ASSERT_EQ(Find(key), e) << key;
      ExpectExactMemory();
    }
  }
  std::set<Entry*> each;
  index_.ForEach([&](Entry* e) { each.insert(e); });
  EXPECT_EQ(each.size(), entries_.size());
}

TEST_F(HashIndexTest, ExpiringBitsFollowEntriesThroughMovesAndResizes) {
  // Keys with an expiry are set at insert (Entry::has_expiry) or later (SetExpiring); chains
  // form and empty, entries move between slots, the table grows and shrinks: a full sweep
  // (ExpiringStep over every home bucket) must return exactly the keys flagged, each once.
  XorShift next(0x2545f4914f6cdd1dULL);
  std::set<std::string> expiring;
  auto sweep = [&] {
    std::multiset<std::string> seen;
    size_t home = 0;
    do {
      home = index_.ExpiringStep(home, [&](Entry* e) { seen.emplace(e->key()); });
    } while (home != 0);
    return seen;
  };
  for (int op = 0; op < 30000; ++op) {
    const size_t universe = op < 15000 ? 2000 : 50;
    const std::string k = "x" + std::to_string(next() % universe);
    const uint64_t h = HashKey(k);
    if (entries_.count(k) != 0) {
      Entry* e = entries_[k];
      switch (next() % 4) {
        case 0:
          Drop(k);
          expiring.erase(k);
          break;
        case 1: {  // flip its expiry
          const bool on = expiring.count(k) == 0;
          e->set_expire_at_ms(on ? 1000 : 0);
          index_.SetExpiring(e, h, on);
          if (on) {
            expiring.insert(k);
          } else {
            expiring.erase(k);
          }
          break;
        }
        case 2: {  // reallocated: the slot keeps its bit
          void* mem = std::malloc(Entry::AllocSize(k.size(), 3));
          Entry* fresh = Entry::Construct(mem, k, "new");
          fresh->set_expire_at_ms(e->expire_at_ms());
          index_.Replace(e, fresh, h);
          std::free(e);
          entries_[k] = fresh;
          break;
        }
        default:
          break;
      }
    } else if (op < 15000 || next() % 4 == 0) {
      Entry* e = Make(k);
      if (next() % 3 == 0) {
        e->set_expire_at_ms(1000);
        expiring.insert(k);
      }
      index_.Insert(e, h);
    }
    if (op % 1000 == 0) {
      auto seen = sweep();
      ASSERT_EQ(seen, std::multiset<std::string>(expiring.begin(), expiring.end())) << op;
      for (const auto& [key, e] : entries_) ASSERT_EQ(Find(key), e) << key;
    }
  }
  auto seen = sweep();
  EXPECT_EQ(seen, std::multiset<std::string>(expiring.begin(), expiring.end()));
  EXPECT_FALSE(expiring.empty());
}

// SCAN's contract: a key present for the whole scan is returned, whatever resizes happen between
// steps. `churn(step)` adds or removes other keys between steps.
template <typename Churn>
std::set<std::string> ScanWith(const HashIndex& index, Churn churn) {
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = index.ScanStep(cursor, [&](Entry* e) { seen.emplace(e->key()); });
    churn(step++);
  } while (cursor != 0 && step < 1000000);
  EXPECT_EQ(cursor, 0u);
  return seen;
}

TEST_F(HashIndexTest, ScanReturnsEveryKeyAcrossGrowth) {
  for (int i = 0; i < 300; ++i) Add("stay:" + std::to_string(i));
  const size_t before = index_.bucket_count();
  int added = 0;
  auto seen = ScanWith(index_, [&](int step) {
    if (step >= 30) return;  // growing forever would outrun the cursor
    for (int j = 0; j < 200; ++j) Add("grow:" + std::to_string(added++));
  });
  EXPECT_GT(index_.bucket_count(), before * 4);  // several doublings during the scan
  for (int i = 0; i < 300; ++i) EXPECT_TRUE(seen.count("stay:" + std::to_string(i))) << i;
}

TEST_F(HashIndexTest, ScanReturnsEveryKeyAcrossShrinkAndRegrowth) {
  for (int i = 0; i < 200; ++i) Add("stay:" + std::to_string(i));
  for (int i = 0; i < 20000; ++i) Add("tmp:" + std::to_string(i));
  const size_t big = index_.bucket_count();
  int removed = 0;
  int added = 0;
  size_t smallest = big;
  auto seen = ScanWith(index_, [&](int step) {
    if (step < 40) {  // shrink hard, then grow again
      for (int j = 0; j < 500 && removed < 20000; ++j) Drop("tmp:" + std::to_string(removed++));
    } else if (step < 80) {
      for (int j = 0; j < 50; ++j) Add("again:" + std::to_string(added++));
    }
    smallest = std::min(smallest, index_.bucket_count());
  });
  EXPECT_LT(smallest, big / 8);  // the scan saw the table shrink several times
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(seen.count("stay:" + std::to_string(i))) << i;
}

TEST_F(HashIndexTest, ScanWithoutResizeVisitsEachKeyOnce) {
  for (int i = 0; i < 5000; ++i) Add("k" + std::to_string(i));
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = index_.ScanStep(cursor, [&](Entry* e) { seen.emplace(e->key()); });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5000u);
}

TEST_F(HashIndexTest, RandomReturnsResidentEntriesAndReachesThemAll) {
  uint64_t rng = 88172645463325252ULL;
  EXPECT_EQ(index_.Random(rng), nullptr);
  for (int i = 0; i < 40; ++i) Add("r" + std::to_string(i));
  std::set<Entry*> seen;
  for (int i = 0; i < 20000; ++i) {
    Entry* e = index_.Random(rng);
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(entries_.at(std::string(e->key())), e);
    seen.insert(e);
  }
  EXPECT_EQ(seen.size(), 40u);
}

TEST_F(HashIndexTest, ForEachAndClearVisitEveryEntryOnce) {
  for (int i = 0; i < 3000; ++i) Add("f" + std::to_string(i));
  std::multiset<Entry*> each;
  index_.ForEach([&](Entry* e) { each.insert(e); });
  EXPECT_EQ(each.size(), 3000u);
  EXPECT_EQ(std::set<Entry*>(each.begin(), each.end()).size(), 3000u);

  std::multiset<Entry*> cleared;
  index_.Clear([&](Entry* e) { cleared.insert(e); });
  EXPECT_EQ(cleared, each);
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_EQ(index_.bucket_count(), HashIndex::kMinBuckets);
  EXPECT_EQ(index_.child_count(), 0u);
  EXPECT_EQ(Find("f1"), nullptr);
  ExpectExactMemory();
  Add("after");  // usable after a clear (entries_ still owns the cleared ones)
  EXPECT_NE(Find("after"), nullptr);
}

}  // namespace
}  // namespace cairn
