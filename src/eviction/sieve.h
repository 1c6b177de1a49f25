// SIEVE: a FIFO queue, one "visited" bit per entry, and a hand that moves from old to new.
//
// Algorithm (Zhang et al., NSDI'24). New entries join the new end of the queue with the bit
// clear; a hit only sets the bit (no relinking: a read writes one byte of its own entry). To
// evict, the hand walks from where it stopped towards newer entries, wrapping to the oldest at
// the end: a visited entry has its bit cleared and is passed over (it stays in place, unlike
// CLOCK/FIFO-reinsertion, which is what lets new entries below the hand be judged quickly); the
// first unvisited entry is the victim, and the hand rests on its newer neighbour. Survivors thus
// keep their position; a one-hit wonder is evicted at the hand's next pass, a popular entry
// survives as long as it is hit once per pass ("lazy promotion, quick demotion").
//
// Queue orientation here: IntrusiveList front = oldest (the paper's tail), back = newest (head).
//
// Deviation: a bounded walk. The paper's hand may clear the bits of the whole queue in one call
// when everything was visited since the last pass. Here one PickVictim steps over at most
// kMaxScan visited entries (clearing their bits); if all of them were visited, the entry the
// hand then rests on is returned even if visited. That caps a call at kMaxScan + 1 entries
// touched. With independent visited bits at a fraction v, the cap binds with probability about
// v^64 per eviction (2e-3 at v = 0.9), and the bits it cleared are not scanned again, so it is a
// latency bound that rarely changes a decision.
//
// Metadata: the Entry links, bit 0 of policy_tag (visited), one hand pointer.
// Tunables: none. Complexity: O(1) per operation; PickVictim amortised O(1) (each bit cleared was
// set by one access) and at most kMaxScan + 1 entries per call. No allocation.
// work() counts entries linked, unlinked, stepped over by the hand, or returned.
// References: Y. Zhang, J. Yang, Y. Yue, Y. Vigfusson, K.V. Rashmi, "SIEVE is simpler than LRU:
// an efficient turn-key eviction algorithm for web caches" (NSDI 2024); libCacheSim
// libCacheSim/cache/eviction/Sieve.c.
#pragma once

#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"
#include "intrusive_list.h"
#include "policy_tag.h"

namespace cairn {

class SievePolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "sieve";
  static constexpr int kMaxScan = 64;

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  void Clear() override;

 private:
  static constexpr uint8_t kVisited = 1;

  eviction::IntrusiveList queue_;
  Entry* hand_ = nullptr;  // next entry to examine; nullptr = start at the oldest
};

std::unique_ptr<EvictionPolicy> MakeSievePolicy();

}  // namespace cairn
