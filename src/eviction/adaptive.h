// adaptive: picks, per shard and at run time, whichever of several expert policies would have
// the best hit ratio on the current workload, measured by miniature simulation, and migrates
// the resident entries to it incrementally. Cairn's default policy (see bench/hitratio).
//
// Why. No single published policy wins everywhere (bench/hitratio): W-TinyLFU's frequency
// filter is far ahead on loops and Zipf traffic but adapts slowly when the hot set moves, where
// ARC is several points better; ARC and S3-FIFO lose badly on loops. Caffeine's answer, a hill
// climber on the window size, does not close that gap in our measurements (the window is not
// the bottleneck: the admission filter is). Instead of tuning one policy, this one measures the
// candidates directly and runs the best one.
//
// Algorithm.
//  * Experts: a list of composable policies (default: tinylfu with a fixed 1% window and arc),
//    the first one active at start.
//  * Miniature simulation: every key hash is remixed and a 1/R sample of the keys is fed, on
//    each real hit (OnAccess) or miss (OnInsert), to one ShadowCache per expert: a real instance
//    of that expert over fake entries, with capacity c/R, where c is the resident count seen at
//    the last PickVictim (the cache was full then). R is a power of two chosen so a shadow holds
//    up to ~shadow_entries entries, and at least min_rate so a shadow costs at most 1/32 of the
//    entries. Keys deleted from the real cache (not evicted) are erased from the shadows.
//  * Epochs: every epoch_factor x shadow-capacity sampled requests, each shadow's hit ratio in
//    the epoch is folded into a score (average with the previous score). After warmup_epochs
//    epochs (counted again after every shadow resize, which happens when c changes by 2x), if
//    another expert's score beats the active expert's by more than `margin`, it becomes active.
//  * Migration: the old expert becomes "draining". Bit 7 of policy_tag (policy_tag.h) tells
//    which expert owns an entry, with the meaning of the bit flipped at each switch, so no entry
//    is touched at switch time. New entries go to the active expert. PickVictim takes victims
//    from the draining expert while it has entries (its coldest first), and every insert or hit
//    also moves up to migrate_step entries from the draining expert's cold end to the active
//    expert (OnErase + OnInsert), so the old order is replayed cold to hot and migration ends
//    after at most c / migrate_step operations. No switch starts while one is draining.
//
// Deviations from the references: the miniature-simulation paper uses shadows to tune one
// policy's parameters offline or online; here they pick among policies. Hits and misses are
// inferred from OnAccess/OnInsert (a look-aside workload: a miss is followed by a SET).
//
// Tunables (Tuning): shadow_entries (1024), min_rate (32: every sampled request costs a full
// request in each shadow, and 1/16 measured ~15% of lru's SET-heavy eviction throughput while
// 1/32 and 1/64 chose as well on bench/hitratio), epoch_factor (10), margin (0.01),
// migrate_step (2), warmup_epochs (3: W-TinyLFU's sketch needs a few sample periods before its
// shadow is judged), experts. The W-TinyLFU expert uses a fixed 1% window: its hill climber
// measured worse than no climber on the shift and scan workloads (bench/hitratio) and the
// adaptivity lives here instead.
// Metadata: the experts' own (sketch, ghosts), plus per shadow entry a 72-byte block, its hash,
// probe slots and free-list slot (~92-100 bytes) and the shadow expert's metadata (8-50 bytes):
// with two shadows of c/32 entries at most, about 6-10 bytes per resident entry for shards
// below 64k entries, and a constant ~0.3-0.6 MB per shard above (shadows of 1024-2047 entries).
// Complexity: O(1) per call: one inner call, a hash, and for a sampled key one request per
// shadow; at most migrate_step moves; a shadow resize is O(shadow capacity), bounded by a
// constant. work() adds up the work of the inner and shadow policies and the moves.
// References: C.A. Waldspurger, T. Saemundsson, I. Ahmad, N. Park, "Cache Modeling and
// Optimization using Miniature Simulations" (USENIX ATC 2017); the experts' own references;
// G. Einziger, O. Eytan, R. Friedman, B. Manes, "Adaptive Software Cache Management"
// (Middleware 2018) for the adaptivity problem in W-TinyLFU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/eviction/policy.h"
#include "shadow_cache.h"

namespace cairn {

class AdaptivePolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "adaptive";

  struct Expert {
    std::string name;
    std::function<std::unique_ptr<EvictionPolicy>()> make;  // must be composable (policy_tag.h)
    // Kept while not running and told of every request (EvictionPolicy::OnStandby), so that it
    // resumes with its history (tinylfu's sketch); otherwise rebuilt empty at each switch.
    bool standby = false;
  };
  struct Tuning {
    size_t shadow_entries = 256;  // the smallest shadow (all of a smaller cache)
    size_t shadow_sqrt = 4;       // shadows of ~shadow_sqrt x sqrt(cache) entries above that
    size_t min_rate = 1;
    size_t epoch_factor = 2;
    double margin = 0.005;
    double weight = 0.1;  // of the newest epoch in the score (an exponential average)
    int migrate_step = 2;
    int warmup_epochs = 3;
  };

  static std::vector<Expert> DefaultExperts();

  AdaptivePolicy() : AdaptivePolicy(DefaultExperts(), Tuning{}) {}
  AdaptivePolicy(std::vector<Expert> experts, Tuning tuning);
  ~AdaptivePolicy() override;

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  size_t MetadataBytes() const override;
  void Clear() override;

  // Introspection (tests, bench/hitratio).
  const std::string& active_expert() const { return experts_[active_index_].name; }
  uint64_t switches() const { return switches_; }
  bool migrating() const { return draining_ != nullptr; }
  size_t sample_rate() const { return rate_; }
  size_t shadow_capacity() const { return shadows_.empty() ? 0 : shadows_[0]->capacity(); }
  double score(size_t expert) const { return scores_[expert]; }

 private:
  bool Owned(const Entry& e) const;  // by the active expert
  EvictionPolicy& OwnerOf(const Entry& e) { return Owned(e) ? *active_ : *draining_; }
  bool Sampled(uint64_t hash) const;
  void Observe(uint64_t hash);
  void EndEpoch();
  void SwitchTo(size_t expert);
  void MigrateSome();
  void FinishDrain();
  void MaybeResizeShadows();
  void MeasureShadows();
  template <typename Call>
  void Metered(const EvictionPolicy& inner, Call&& call);

  std::vector<Expert> experts_;
  Tuning tuning_;
  std::unique_ptr<EvictionPolicy> active_;
  std::unique_ptr<EvictionPolicy> draining_;
  size_t draining_index_ = 0;
  // Standby instances of the experts with Expert::standby that are not running.
  std::vector<std::unique_ptr<EvictionPolicy>> parked_;
  size_t active_index_ = 0;
  size_t active_n_ = 0;
  size_t draining_n_ = 0;
  bool parity_ = false;  // owner bit value of the active expert's entries
  Entry* pending_victim_ = nullptr;
  uint32_t last_now_s_ = 0;

  std::vector<std::unique_ptr<eviction::ShadowCache>> shadows_;
  std::vector<uint64_t> epoch_hits_;
  std::vector<double> scores_;
  size_t shadow_bytes_ = 0;  // the shadows' memory, as of the last epoch end or resize
  size_t rate_ = 0;          // 0: shadows not started (capacity unknown until the first eviction)
  uint64_t epoch_requests_ = 0;
  uint64_t epoch_length_ = 0;
  int warmup_epochs_ = 0;
  uint64_t switches_ = 0;
};

std::unique_ptr<EvictionPolicy> MakeAdaptivePolicy();

}  // namespace cairn
