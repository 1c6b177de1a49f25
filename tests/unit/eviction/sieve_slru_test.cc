// SIEVE and SLRU: the papers' scenarios by hand, and reference models under random operations.
#include <gtest/gtest.h>

#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "cairn/eviction/registry.h"
#include "entry_pool.h"
#include "eviction/sieve.h"
#include "eviction/slru.h"
#include "model_harness.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;

std::vector<std::string> DrainKeys(EvictionPolicy& p) {
  std::vector<std::string> keys;
  while (Entry* v = p.PickVictim(kT0)) {
    keys.emplace_back(v->key());
    p.OnErase(*v);
    if (keys.size() > 1000) break;
  }
  return keys;
}

// ---- SIEVE ----

TEST(SieveTest, HandSkipsVisitedEntriesAndClearsThem) {
  EntryPool pool;
  SievePolicy p;
  std::vector<Entry*> e;
  for (const char* k : {"a", "b", "c", "d", "e"}) {
    e.push_back(pool.Make(k));
    p.OnInsert(*e.back());
  }
  pool.Touch(p, *e[0], kT0);  // a visited
  pool.Touch(p, *e[2], kT0);  // c visited
  // The hand starts at the oldest: a is visited (cleared, kept), b is the victim.
  Entry* v = p.PickVictim(kT0);
  EXPECT_EQ(v, e[1]);
  p.OnErase(*v);
  // The hand rests after b: c visited (cleared), d is next; a keeps its place behind the hand.
  v = p.PickVictim(kT0);
  EXPECT_EQ(v, e[3]);
  p.OnErase(*v);
  // A new entry goes to the new end, behind the hand: e, then wrap to a (bit cleared) ...
  Entry* f = pool.Make("f");
  p.OnInsert(*f);
  EXPECT_EQ(DrainKeys(p), (std::vector<std::string>{"e", "f", "a", "c"}));
}

TEST(SieveTest, AHitDoesNoListWork) {
  EntryPool pool;
  SievePolicy p;
  Entry* a = pool.Make("a");
  p.OnInsert(*a);
  uint64_t w = p.work();
  for (int i = 0; i < 10; ++i) pool.Touch(p, *a, kT0);
  EXPECT_EQ(p.work(), w);
}

TEST(SieveTest, AllVisitedWrapsAround) {
  EntryPool pool;
  SievePolicy p;
  std::vector<Entry*> e;
  for (int i = 0; i < 10; ++i) {
    e.push_back(pool.Make(i));
    p.OnInsert(*e.back());
    pool.Touch(p, *e.back(), kT0);
  }
  // One full pass clears every bit and comes back to the oldest.
  EXPECT_EQ(p.PickVictim(kT0), e[0]);
}

TEST(SieveTest, WalkIsBoundedPerCall) {
  EntryPool pool;
  SievePolicy p;
  for (int i = 0; i < 1000; ++i) {
    Entry* x = pool.Make(i);
    p.OnInsert(*x);
    pool.Touch(p, *x, kT0);
  }
  uint64_t w = p.work();
  Entry* v = p.PickVictim(kT0);
  ASSERT_NE(v, nullptr);
  EXPECT_LE(p.work() - w, static_cast<uint64_t>(SievePolicy::kMaxScan) + 1);
  EXPECT_EQ(v->key(), "key:" + std::to_string(SievePolicy::kMaxScan));
}

TEST(SieveTest, ErasingTheHandMovesItToTheNewerNeighbour) {
  EntryPool pool;
  SievePolicy p;
  std::vector<Entry*> e;
  for (const char* k : {"a", "b", "c"}) {
    e.push_back(pool.Make(k));
    p.OnInsert(*e.back());
  }
  pool.Touch(p, *e[0], kT0);
  EXPECT_EQ(p.PickVictim(kT0), e[1]);  // hand on b
  p.OnErase(*e[1]);                    // evicted
  pool.Touch(p, *e[2], kT0);
  p.OnErase(*e[2]);  // DEL of the entry under the hand: hand moves past it (to the start)
  EXPECT_EQ(p.PickVictim(kT0), e[0]);
}

class SieveModel {
 public:
  void Insert(const std::string& k) { where_[k] = {q_.insert(q_.end(), k), false}; }
  void Access(const std::string& k) { where_[k].second = true; }
  void Erase(const std::string& k) {
    auto it = where_.at(k).first;
    if (hand_ == it) hand_ = std::next(it);
    q_.erase(it);
    where_.erase(k);
  }
  std::string Victim() {
    auto it = hand_ == q_.end() ? q_.begin() : hand_;
    while (where_[*it].second) {
      where_[*it].second = false;
      if (++it == q_.end()) it = q_.begin();
    }
    hand_ = it;
    return *it;
  }
  void Evicted(const std::string& k) { Erase(k); }

 private:
  std::list<std::string> q_;  // front = oldest
  std::unordered_map<std::string, std::pair<std::list<std::string>::iterator, bool>> where_;
  std::list<std::string>::iterator hand_ = q_.end();
};

TEST(SieveTest, MatchesReferenceModel) {
  SievePolicy p;
  SieveModel m;
  // At most 40 resident entries: a walk never reaches the kMaxScan bound.
  testing::RunAgainstModel(p, m, {.seed = 11, .steps = 60'000, .max_resident = 40});
}

// ---- SLRU ----

TEST(SlruTest, SecondHitProtectsAgainstAScan) {
  EntryPool pool;
  SlruPolicy p;
  p.OnInsert(*pool.Make("x"));
  p.OnInsert(*pool.Make("y"));
  std::vector<Entry*> hot;
  for (int i = 0; i < 4; ++i) {
    hot.push_back(pool.Make("hot" + std::to_string(i)));
    p.OnInsert(*hot.back());
  }
  for (Entry* h : hot) pool.Touch(p, *h, kT0);  // 4 of 6 protected: within the 80% share
  for (int i = 0; i < 16; ++i) p.OnInsert(*pool.Make("scan" + std::to_string(i)));
  // Victims: probation oldest first (x, y, the whole scan), then protected.
  std::vector<std::string> keys = DrainKeys(p);
  ASSERT_EQ(keys.size(), 22u);
  EXPECT_EQ(keys[0], "x");
  EXPECT_EQ(keys[1], "y");
  for (int i = 0; i < 16; ++i) EXPECT_EQ(keys[2 + i], "scan" + std::to_string(i));
  EXPECT_EQ(keys[18], "hot0");
}

TEST(SlruTest, ProtectedOverflowDemotesToProbation) {
  EntryPool pool;
  SlruPolicy p;
  std::vector<Entry*> e;
  for (int i = 0; i < 10; ++i) {
    e.push_back(pool.Make(i));
    p.OnInsert(*e.back());
  }
  // Protect all ten in order: protected may hold 80% (8); the two oldest promotions are demoted
  // back to probation's hot end.
  for (Entry* x : e) pool.Touch(p, *x, kT0);
  std::vector<std::string> keys = DrainKeys(p);
  EXPECT_EQ(keys, (std::vector<std::string>{"key:0", "key:1", "key:2", "key:3", "key:4", "key:5",
                                            "key:6", "key:7", "key:8", "key:9"}));
  // Finer: demotion order is the protected LRU end.
  SlruPolicy q;
  std::vector<Entry*> f;
  for (int i = 0; i < 5; ++i) {
    f.push_back(pool.Make(100 + i));
    q.OnInsert(*f.back());
  }
  for (int i = 4; i >= 0; --i) pool.Touch(q, *f[i], kT0);  // protect 104, 103, ..., 100
  // 5 entries: protected may hold 4; protecting the 5th demoted 104 (the LRU of protected).
  EXPECT_EQ(q.PickVictim(kT0), f[4]);
}

class SlruModel {
 public:
  void Insert(const std::string& k) { Push(k, false); }
  void Access(const std::string& k) {
    auto [it, prot] = where_.at(k);
    (prot ? protected_ : probation_).erase(it);
    Push(k, true);
    if (!prot && protected_.size() * 100 > (protected_.size() + probation_.size()) * 80) {
      std::string d = protected_.front();
      protected_.pop_front();
      Push(d, false);
    }
  }
  void Erase(const std::string& k) {
    auto [it, prot] = where_.at(k);
    (prot ? protected_ : probation_).erase(it);
    where_.erase(k);
  }
  std::string Victim() { return probation_.empty() ? protected_.front() : probation_.front(); }
  void Evicted(const std::string& k) { Erase(k); }

 private:
  void Push(const std::string& k, bool prot) {
    auto& l = prot ? protected_ : probation_;
    where_[k] = {l.insert(l.end(), k), prot};
  }
  std::list<std::string> probation_, protected_;
  std::unordered_map<std::string, std::pair<std::list<std::string>::iterator, bool>> where_;
};

TEST(SlruTest, MatchesReferenceModel) {
  SlruPolicy p;
  SlruModel m;
  testing::RunAgainstModel(p, m, {.seed = 12, .steps = 60'000, .max_resident = 60});
}

TEST(SlruTest, CreatedByName) {
  EXPECT_EQ(PolicyRegistry::Builtin().Create("slru")->name(), "slru");
  EXPECT_EQ(PolicyRegistry::Builtin().Create("sieve")->name(), "sieve");
}

}  // namespace
}  // namespace cairn
