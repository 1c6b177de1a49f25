// W-TinyLFU: an LRU admission window in front of a segmented-LRU main space, with a frequency
// sketch deciding who enters the main space, and a hill climber sizing the window (Caffeine).
//
// Algorithm (Einziger, Friedman, Manes, "TinyLFU", ToS 2017; Caffeine's BoundedLocalCache).
// Every insert and hit counts the key's hash in a count-min sketch of 4-bit counters that is
// halved every 10 x capacity increments (frequency_sketch.h), so it estimates recent popularity
// for keys that are resident or not. A new entry joins the window, an LRU holding a fraction w of
// the entries (initially 1%). When the window overflows, its LRU entry moves to the main space's
// probationary segment and becomes the *candidate*. The main space is an SLRU: a hit in
// probation promotes to protected (80% of the main space), whose overflow demotes its LRU back to
// probation. When the shard needs a victim and a candidate is waiting, the candidate and the
// *victim* (probation's LRU) compete: the candidate is admitted (the victim is evicted) only if
// the sketch says it is more popular; otherwise the candidate itself is evicted. That filters out
// one-hit wonders and scans while the window lets new keys prove themselves. As in Caffeine, a
// candidate whose estimate is >= 6 but not above the victim's is still admitted with probability
// 1/128, so an attacker cannot pin a victim by flooding its hash with collisions.
//
// Adaptive window (Caffeine's hill climber). Hits (OnAccess) and misses (OnInsert) are counted;
// every 10 x resident-count requests the sample's hit ratio is compared with the previous
// sample's: if it did not get worse the window keeps moving in the same direction, else it
// reverses. The first step shrinks the window by 6.25% of the cache; each step decays by 0.98,
// and a change of >= 5 points in hit ratio restarts the step at 6.25% (a new workload phase).
// Recency-heavy phases thus grow the window towards an LRU, frequency-heavy ones shrink it
// towards a pure TinyLFU. The window is resized gradually, as inserts come: a shrink moves one
// extra window entry to probation per insert; a growth moves up to two entries per insert from
// main's LRU end (probation, then protected) to the window, like Caffeine's increaseWindow.
//
// Deviations. Caffeine runs the admission loop in its maintenance task after an insert; here the
// shard asks for a victim before inserting, so the candidate is the entry the previous insert
// pushed out of the window: one candidate per insert, the same pairing in steady state. If the
// shard evicts several entries for one insert (a large value in a byte budget), the next
// comparisons use the window's LRU entry as the candidate, as Caffeine does once its fresh
// candidates are used up, so no eviction bypasses the filter. Segment shares are fractions of
// the current resident count (the policy does not know the capacity), counted in entries. Hits
// and misses are inferred from OnAccess/OnInsert, which matches a look-aside workload (a miss
// is followed by a SET); a GET miss that is never filled is not seen (nor is it in Caffeine
// unless loaded). The sketch grows with the resident count (doubling, history reset).
//
// Metadata per entry: the Entry links; policy_tag = segment. Per policy: the sketch, 8 bytes per
// resident entry rounded up to a power of two (MetadataBytes()), plus a few counters.
// Tunables: initial window fraction (kInitialWindow = 1%), adaptive on/off (a fixed window for
// comparison in bench/hitratio), protected share kProtectedPercent = 80.
// Complexity: O(1) per operation: at most 3 entries moved per insert or hit, 2 sketch lookups
// per PickVictim; the sketch halving is spread over inserts (constant per call). No allocation
// in steady state. work() counts entries linked, unlinked, moved, compared or returned.
// References: G. Einziger, R. Friedman, B. Manes, "TinyLFU: A Highly Efficient Cache Admission
// Policy" (ACM ToS 2017); Caffeine BoundedLocalCache.java (evictFromMain, admit, climb,
// determineAdjustment) and FrequencySketch.java; Caffeine simulator
// policy/sketch/climbing/HillClimberWindowTinyLfuPolicy.java.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"
#include "frequency_sketch.h"
#include "intrusive_list.h"
#include "policy_tag.h"

namespace cairn {

class TinyLfuPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "tinylfu";
  static constexpr double kInitialWindow = 0.01;
  static constexpr double kMaxWindow = 0.99;
  static constexpr size_t kProtectedPercent = 80;
  static constexpr int kHashDosThreshold = 6;
  static constexpr double kStepPercent = 0.0625;
  static constexpr double kStepDecay = 0.98;
  static constexpr double kRestartThreshold = 0.05;

  explicit TinyLfuPolicy(bool adaptive = true, double window = kInitialWindow,
                         size_t sample_factor = eviction::FrequencySketch::kDefaultSampleFactor);

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  size_t MetadataBytes() const override { return sketch_.MemoryBytes(); }
  void OnStandby(uint64_t key_hash, size_t resident) override;
  void Clear() override;
  // Applies the increments OnStandby staged, in order (every call that reads the sketch does this
  // first; tests call it before reading sketch()).
  void SettleStandby() {
    if (standby_n_ != 0) SettleStandbySlow();
  }

  double window_fraction() const { return window_; }
  size_t window_size() const { return window_n_; }
  size_t probation_size() const { return probation_n_; }
  size_t protected_size() const { return protected_n_; }
  const eviction::FrequencySketch& sketch() const { return sketch_; }

 private:
  enum Segment : uint8_t { kWindow = 0, kProbation = 1, kProtected = 2 };

  size_t total() const { return window_n_ + probation_n_ + protected_n_; }
  size_t WindowMax() const { return static_cast<size_t>(window_ * static_cast<double>(total())); }
  eviction::IntrusiveList& List(uint8_t s);
  size_t& Count(uint8_t s);
  void Push(Entry& e, Segment s);
  void Unlink(Entry& e);
  // Moves the window's LRU entry to probation's MRU end; returns it.
  Entry* SpillWindow();
  void Climb();

  eviction::IntrusiveList window_list_;
  eviction::IntrusiveList probation_;
  eviction::IntrusiveList protected_;
  size_t window_n_ = 0;
  size_t probation_n_ = 0;
  size_t protected_n_ = 0;
  eviction::FrequencySketch sketch_;
  Entry* candidate_ = nullptr;  // pushed out of the window by the last insert, not yet judged
  // Standby increments are staged and applied kStandbyStage at a time, their sketch blocks
  // prefetched together first, so the cache misses of a batch overlap (a parked tinylfu is told
  // of every request, and its sketch is usually larger than the CPU caches).
  static constexpr int kStandbyStage = 16;
  void SettleStandbySlow();
  uint64_t standby_[kStandbyStage] = {};
  int standby_n_ = 0;

  // Hill climber.
  bool adaptive_;
  double initial_window_;
  double window_;
  double step_;
  double previous_hit_rate_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  uint64_t rng_ = 0x853c49e6748fea9bULL;
};

std::unique_ptr<EvictionPolicy> MakeTinyLfuPolicy();

}  // namespace cairn
