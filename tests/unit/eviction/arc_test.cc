// ARC: the paper's adaptation rules by hand, and a reference model under random operations.
#include <gtest/gtest.h>

#include <algorithm>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "entry_pool.h"
#include "eviction/arc.h"
#include "model_harness.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;

TEST(ArcTest, NewKeysGoToT1AndHitsToT2) {
  EntryPool pool;
  ArcPolicy p;
  std::vector<Entry*> e;
  for (int i = 0; i < 4; ++i) {
    e.push_back(pool.Make(i));
    p.OnInsert(*e.back());
  }
  EXPECT_EQ(p.t1_size(), 4u);
  pool.Touch(p, *e[0], kT0);
  EXPECT_EQ(p.t1_size(), 3u);
  EXPECT_EQ(p.t2_size(), 1u);
  // p = 0: T1 is over its target, so T1's LRU goes first; T2 only when T1 is empty.
  EXPECT_EQ(p.PickVictim(kT0), e[1]);
}

TEST(ArcTest, GhostHitInB1GrowsT1TargetAndB2ShrinksIt) {
  EntryPool pool;
  ArcPolicy p;
  std::vector<Entry*> e;
  for (int i = 0; i < 10; ++i) {
    e.push_back(pool.Make(i));
    p.OnInsert(*e.back());
  }
  for (int i = 5; i < 10; ++i) pool.Touch(p, *e[i], kT0);  // T1 = 0..4, T2 = 5..9
  // Evict two from T1 (|T1| = 5 > p = 0): they become B1 ghosts.
  for (int i = 0; i < 2; ++i) {
    Entry* v = p.PickVictim(kT0);
    ASSERT_EQ(v, e[i]);
    p.OnErase(*v);
  }
  EXPECT_EQ(p.b1_size(), 2u);
  // key:0 returns: a B1 hit. p grows by max(1, |B2| / |B1|) = 1; the key goes to T2.
  Entry* back = pool.Make(0);
  p.OnInsert(*back);
  EXPECT_DOUBLE_EQ(p.target_t1(), 1.0);
  EXPECT_EQ(p.b1_size(), 1u);
  EXPECT_EQ(p.t2_size(), 6u);
  // Shrink T1 below the target so T2 is evicted into B2: |T1| = 3 > p = 1 evicts T1 first...
  for (int i = 2; i < 4; ++i) {
    Entry* v = p.PickVictim(kT0);
    ASSERT_EQ(v, e[i]);
    p.OnErase(*v);
  }
  // ... now |T1| = 1 = p: the tie goes to T2 (its LRU, key:5).
  Entry* v = p.PickVictim(kT0);
  ASSERT_EQ(v, e[5]);
  p.OnErase(*v);
  EXPECT_EQ(p.b2_size(), 1u);
  // key:5 returns: a B2 hit. p shrinks by max(1, |B1| / |B2|) = 3 (B1 = {1, 2, 3}), to 0.
  p.OnInsert(*pool.Make(5));
  EXPECT_DOUBLE_EQ(p.target_t1(), 0.0);
  EXPECT_EQ(p.b2_size(), 0u);
}

TEST(ArcTest, GhostsStayWithinTheCacheSize) {
  EntryPool pool;
  ArcPolicy p;
  for (int i = 0; i < 100; ++i) p.OnInsert(*pool.Make(i));
  for (int i = 100; i < 5000; ++i) {
    Entry* v = p.PickVictim(kT0);
    p.OnErase(*v);
    Entry* n = pool.Make(i % 7 == 0 ? static_cast<uint64_t>(i - 50) : static_cast<uint64_t>(i));
    p.OnInsert(*n);
    ASSERT_LE(p.t1_size() + p.b1_size(), 100u);
    ASSERT_LE(p.t1_size() + p.t2_size() + p.b1_size() + p.b2_size(), 200u);
  }
}

TEST(ArcTest, DeletedKeysLeaveNoGhost) {
  EntryPool pool;
  ArcPolicy p;
  Entry* a = pool.Make("a");
  p.OnInsert(*a);
  p.OnErase(*a);
  EXPECT_EQ(p.b1_size() + p.b2_size(), 0u);
}

// Megiddo & Modha, Fig. 4, with this implementation's documented choices: REPLACE evicts T1's
// LRU when |T1| > p (ties to T2), c is the resident count at the last victim request, ghosts
// are trimmed after each insert and eviction to |T1| + |B1| <= c and the total to 2c.
class ArcModel {
 public:
  void Insert(const std::string& k) {
    double b1 = static_cast<double>(b1_.size()), b2 = static_cast<double>(b2_.size());
    if (Drop(b1_, k)) {
      p_ = std::min(static_cast<double>(c_), p_ + std::max(1.0, b2 / b1));
      Push(t2_, k, 2);
    } else if (Drop(b2_, k)) {
      p_ = std::max(0.0, p_ - std::max(1.0, b1 / b2));
      Push(t2_, k, 2);
    } else {
      Push(t1_, k, 1);
    }
    Trim();
  }
  void Access(const std::string& k) {
    auto [it, list] = where_.at(k);
    (list == 1 ? t1_ : t2_).erase(it);
    Push(t2_, k, 2);
  }
  void Erase(const std::string& k) {
    auto [it, list] = where_.at(k);
    (list == 1 ? t1_ : t2_).erase(it);
    where_.erase(k);
  }
  std::string Victim() {
    c_ = t1_.size() + t2_.size();
    p_ = std::min(p_, static_cast<double>(c_));
    from_t1_ = !t1_.empty() && (static_cast<double>(t1_.size()) > p_ || t2_.empty());
    return from_t1_ ? t1_.front() : t2_.front();
  }
  void Evicted(const std::string& k) {
    Erase(k);
    (from_t1_ ? b1_ : b2_).push_back(k);
    Trim();
  }
  void Trim() {
    auto total = [&] { return t1_.size() + t2_.size() + b1_.size() + b2_.size(); };
    while (!b1_.empty() && t1_.size() + b1_.size() > c_) b1_.pop_front();
    while (!b2_.empty() && total() > 2 * c_) b2_.pop_front();
    while (!b1_.empty() && total() > 2 * c_) b1_.pop_front();
  }

 private:
  static bool Drop(std::list<std::string>& l, const std::string& k) {
    auto it = std::find(l.begin(), l.end(), k);
    if (it == l.end()) return false;
    l.erase(it);
    return true;
  }
  void Push(std::list<std::string>& l, const std::string& k, int list) {
    where_[k] = {l.insert(l.end(), k), list};
  }

  std::list<std::string> t1_, t2_, b1_, b2_;
  std::unordered_map<std::string, std::pair<std::list<std::string>::iterator, int>> where_;
  double p_ = 0;
  size_t c_ = 0;
  bool from_t1_ = false;
};

TEST(ArcTest, MatchesReferenceModel) {
  ArcPolicy p;
  ArcModel m;
  testing::RunAgainstModel(p, m, {.seed = 14, .steps = 80'000, .max_resident = 50});
}

}  // namespace
}  // namespace cairn
