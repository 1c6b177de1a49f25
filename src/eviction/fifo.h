// FIFO: evicts the entry that was inserted first; reads and in-place overwrites do not reorder.
//
// Algorithm. One intrusive queue through Entry::prev/next, oldest insert at the front. OnInsert
// appends, OnAccess does nothing, PickVictim returns the front, OnErase unlinks, OnReplace splices
// the new allocation into the old one's position (a resized value keeps its age). Deleting a key
// and setting it again is a new insert and goes to the back.
//
// Why keep it. FIFO is the baseline every cache paper measures against, it does no policy work
// on the read path (no relinking, so a hit never writes to neighbouring entries), and recent work
// shows that FIFO-based designs are competitive with LRU on real traces (S3-FIFO, SIEVE). A doubly
// linked queue is used instead of a singly linked one because arbitrary erasure (DEL, expiry) must
// be O(1).
//
// Deviations from the reference: Redis has no FIFO policy; this is the textbook algorithm.
// Tunables: none.
// Complexity: every operation O(1), no allocation; memory: the Entry links plus two pointers.
// work() counts one per entry linked, unlinked or returned (accesses do no work).
// References: Yang et al., "FIFO queues are all you need for cache eviction" (SOSP 2023);
// Zhang et al., "SIEVE is simpler than LRU" (NSDI 2024); Caffeine simulator
// policy/linked/LinkedPolicy.java (FIFO).
#pragma once

#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"
#include "intrusive_list.h"

namespace cairn {

class FifoPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "fifo";

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  void Clear() override;

 private:
  eviction::IntrusiveList queue_;
};

std::unique_ptr<EvictionPolicy> MakeFifoPolicy();

}  // namespace cairn
