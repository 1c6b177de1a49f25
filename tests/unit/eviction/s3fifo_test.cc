// S3-FIFO: small/main/ghost behaviour by hand, and a reference model under random operations.
#include <gtest/gtest.h>

#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "entry_pool.h"
#include "eviction/s3fifo.h"
#include "model_harness.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;

// Fills a policy with `n` keys "key:0".. (before any eviction): S keeps its 10% share, so
// key:0 and then every tenth-or-so key land in S (for n = 20: key:0 and key:11), the rest in M.
std::vector<Entry*> Fill(EntryPool& pool, S3FifoPolicy& p, int n) {
  std::vector<Entry*> e;
  for (int i = 0; i < n; ++i) {
    e.push_back(pool.Make(i));
    p.OnInsert(*e.back());
  }
  return e;
}

TEST(S3FifoTest, WhileFillingSmallKeepsItsShare) {
  EntryPool pool;
  S3FifoPolicy p;
  Fill(pool, p, 100);
  EXPECT_EQ(p.small_size(), 10u);
  EXPECT_EQ(p.main_size(), 90u);
}

TEST(S3FifoTest, OneHitWondersLeaveFromSmallIntoTheGhost) {
  EntryPool pool;
  S3FifoPolicy p;
  std::vector<Entry*> e = Fill(pool, p, 20);  // S = {0, 11}, M = the rest
  Entry* v = p.PickVictim(kT0);
  EXPECT_EQ(v, e[0]) << "S holds its 10% share: the oldest unhit S entry goes";
  p.OnErase(*v);
  EXPECT_EQ(p.ghost_size(), 1u);
  v = p.PickVictim(kT0);
  EXPECT_EQ(v, e[1]) << "S below its share: the oldest M entry with a zero counter";
  p.OnErase(*v);
  EXPECT_EQ(p.ghost_size(), 1u) << "M evictions leave no ghost";
  // After the first eviction new keys go to S.
  Entry* n = pool.Make("new");
  p.OnInsert(*n);
  EXPECT_EQ(p.small_size(), 2u);
}

TEST(S3FifoTest, GhostHitGoesStraightToMain) {
  EntryPool pool;
  S3FifoPolicy p;
  std::vector<Entry*> e = Fill(pool, p, 20);
  Entry* v = p.PickVictim(kT0);
  ASSERT_EQ(v, e[0]);
  p.OnErase(*v);
  size_t main_before = p.main_size();
  p.OnInsert(*pool.Make(0));  // key:0 again: a ghost hit
  EXPECT_EQ(p.main_size(), main_before + 1);
  EXPECT_EQ(p.ghost_size(), 0u) << "the ghost is consumed";
}

TEST(S3FifoTest, DeletedKeysLeaveNoGhost) {
  EntryPool pool;
  S3FifoPolicy p;
  std::vector<Entry*> e = Fill(pool, p, 20);
  p.OnErase(*e[0]);  // DEL, not an eviction
  EXPECT_EQ(p.ghost_size(), 0u);
}

TEST(S3FifoTest, SmallEntryHitTwiceIsPromotedAtEvictionTime) {
  EntryPool pool;
  S3FifoPolicy p;                             // threshold 2
  std::vector<Entry*> e = Fill(pool, p, 20);  // S = {0, 11}
  pool.Touch(p, *e[0], kT0);
  pool.Touch(p, *e[0], kT0);
  pool.Touch(p, *e[11], kT0);  // once: below the threshold
  // Eviction from S: key:0 moves to M, key:11 (one hit < 2) is the victim.
  EXPECT_EQ(p.PickVictim(kT0), e[11]);
  EXPECT_EQ(p.small_size(), 1u);
  EXPECT_EQ(p.main_size(), 19u);
}

TEST(S3FifoTest, ThresholdOnePromotesAfterOneHit) {
  EntryPool pool;
  S3FifoPolicy p(/*threshold=*/1);
  std::vector<Entry*> e = Fill(pool, p, 20);
  pool.Touch(p, *e[0], kT0);
  // key:0 is promoted; S continues with key:11, unhit: the victim.
  EXPECT_EQ(p.PickVictim(kT0), e[11]);
}

TEST(S3FifoTest, MainReinsertsWhileTheCounterIsPositive) {
  EntryPool pool;
  S3FifoPolicy p;
  std::vector<Entry*> e = Fill(pool, p, 10);              // S = {0}, M = {1..9}
  p.OnErase(*e[0]);                                       // S empty: evictions come from M
  for (int i = 0; i < 5; ++i) pool.Touch(p, *e[1], kT0);  // counter saturates at 3
  pool.Touch(p, *e[2], kT0);
  // M: 1(3) 2(1) 3..9(0). Victim 3; 1 and 2 were reinserted with 2 and 0.
  EXPECT_EQ(p.PickVictim(kT0), e[3]);
  p.OnErase(*e[3]);
  for (int i = 4; i <= 9; ++i) {
    Entry* v = p.PickVictim(kT0);
    EXPECT_EQ(v, e[i]);
    p.OnErase(*v);
  }
  // Now M: 1(2) 2(0): 2 goes, 1 survives two more passes.
  EXPECT_EQ(p.PickVictim(kT0), e[2]);
  p.OnErase(*e[2]);
  EXPECT_EQ(p.PickVictim(kT0), e[1]);
}

TEST(S3FifoTest, GhostIsBoundedByTheResidentCount) {
  EntryPool pool;
  S3FifoPolicy p;
  Fill(pool, p, 100);
  for (int i = 100; i < 10'000; ++i) {  // one-time keys: every victim comes from S
    Entry* v = p.PickVictim(kT0);
    p.OnErase(*v);
    p.OnInsert(*pool.Make(i));
    ASSERT_LE(p.ghost_size(), 90u);
  }
  EXPECT_EQ(p.ghost_size(), 90u);
}

// libCacheSim's S3FIFO.c, with this implementation's documented choices (shares of the resident
// count, promotion resets the counter, and the ghost holds the keys of the last 90%-of-the-cache
// S evictions, by age, minus those consumed by hits).
class S3FifoModel {
 public:
  explicit S3FifoModel(int threshold) : threshold_(threshold) {}
  void Insert(const std::string& k) {
    if (TakeGhost(k)) {
      Push(k, true);
    } else if (!evicted_ && !small_.empty() && SmallOverShare()) {
      Push(k, true);
    } else {
      Push(k, false);
    }
  }
  void Access(const std::string& k) {
    int& f = state_.at(k).freq;
    f = std::min(f + 1, 3);
  }
  void Erase(const std::string& k) {
    State& s = state_.at(k);
    (s.main ? main_ : small_).erase(s.it);
    state_.erase(k);
  }
  std::string Victim() {
    evicted_ = true;
    if (!small_.empty() && (main_.empty() || SmallOverShare())) {
      while (!small_.empty()) {
        std::string k = small_.front();
        if (state_[k].freq < threshold_) {
          from_small_ = true;
          return k;
        }
        small_.pop_front();
        Push(k, true);
      }
    }
    for (;;) {
      std::string k = main_.front();
      State& s = state_[k];
      if (s.freq == 0) {
        from_small_ = false;
        return k;
      }
      main_.pop_front();
      int f = s.freq - 1;
      Push(k, true);
      state_[k].freq = f;
    }
  }
  void Evicted(const std::string& k) {
    Erase(k);
    if (!from_small_) return;
    ghost_seq_[k] = next_seq_++;
    horizon_ = std::max(horizon_, next_seq_ - std::min(next_seq_, GhostLimit()));
  }

 private:
  struct State {
    std::list<std::string>::iterator it;
    bool main;
    int freq;
  };
  uint64_t GhostLimit() const { return (small_.size() + main_.size() + 1) * 90 / 100; }
  // A ghost is live while it is among the last GhostLimit() pushes, the limit being taken at
  // each push and lookup; once out, it stays out (a FIFO trimmed to the current limit).
  bool TakeGhost(const std::string& k) {
    horizon_ = std::max(horizon_, next_seq_ - std::min(next_seq_, GhostLimit()));
    auto it = ghost_seq_.find(k);
    if (it == ghost_seq_.end()) return false;
    bool live = it->second >= horizon_;
    ghost_seq_.erase(it);
    return live;
  }
  bool SmallOverShare() const { return small_.size() * 100 >= (small_.size() + main_.size()) * 10; }
  void Push(const std::string& k, bool main) {
    auto& l = main ? main_ : small_;
    state_[k] = State{l.insert(l.end(), k), main, 0};
  }

  int threshold_;
  bool evicted_ = false;
  bool from_small_ = false;
  std::list<std::string> small_, main_;
  std::unordered_map<std::string, State> state_;
  std::unordered_map<std::string, uint64_t> ghost_seq_;  // key -> push sequence
  uint64_t next_seq_ = 1;
  uint64_t horizon_ = 1;
};

TEST(S3FifoTest, MatchesReferenceModel) {
  for (int threshold : {1, 2}) {
    S3FifoPolicy p(threshold);
    S3FifoModel m(threshold);
    // Few resident entries, so no eviction walk reaches the kMaxScan bound.
    testing::RunAgainstModel(p, m, {.seed = 13, .steps = 60'000, .max_resident = 12});
  }
}

}  // namespace
}  // namespace cairn
