// ARC: Adaptive Replacement Cache. Two LRU lists of resident entries, T1 (seen once recently)
// and T2 (seen at least twice), two ghost LRU lists of evicted keys, B1 and B2, and a target
// size p for T1 that moves towards whichever side's ghosts are being hit.
//
// Algorithm (Megiddo & Modha, FAST'03). A hit in T1 or T2 moves the entry to T2's MRU end. A new
// key whose hash is in B1 means T1 was too small: p grows by max(1, |B2|/|B1|) and the key goes
// to T2; in B2, p shrinks by max(1, |B1|/|B2|) and the key goes to T2; otherwise it goes to T1.
// REPLACE (PickVictim): evict T1's LRU when |T1| > p (or T2 is empty), else T2's LRU; the
// victim's hash joins B1 or B2 (MRU end). After every insert and eviction the ghost lists are
// trimmed from their LRU ends so that |T1| + |B1| <= c and |T1| + |T2| + |B1| + |B2| <= 2c, the
// paper's invariants.
//
// Deviations. The paper runs REPLACE inside the request that missed, and uses "the missed key
// is in B2" to break the |T1| = p tie; here eviction happens before the shard inserts the new
// key, without knowing it, so the tie goes to T2 (evict from T1 only when |T1| > p). The
// capacity c is not known to the policy (the shard enforces bytes or items): c is the resident
// count observed at the last PickVictim, i.e. when the cache was full, and p is clamped to
// [0, c]. Sizes count entries, not bytes. A key erased by DEL or expiry leaves no ghost: only
// evictions (the entry named by the last PickVictim) feed B1/B2.
//
// Metadata per entry: the Entry links; policy_tag = list (T1/T2). Per policy: the ghosts (key
// hashes, 21-25 bytes each, up to ~2x in allocation slack, at most c of them; see
// ghost_table.h) and p.
// Tunables: none (ARC's point). Complexity: O(1) per operation (ghost trims amortised: each
// removes a ghost that one eviction added); no allocation in steady state. work() counts
// resident entries linked, unlinked or returned.
// References: N. Megiddo, D.S. Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache"
// (FAST 2003), Fig. 4; Caffeine simulator policy/adaptive/ArcPolicy.java.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"
#include "ghost_table.h"
#include "intrusive_list.h"
#include "policy_tag.h"

namespace cairn {

class ArcPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "arc";

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  size_t MetadataBytes() const override { return ghost_.MemoryBytes(); }
  void Clear() override;

  double target_t1() const { return p_; }
  size_t t1_size() const { return t1_n_; }
  size_t t2_size() const { return t2_n_; }
  size_t b1_size() const { return ghost_.size(kB1); }
  size_t b2_size() const { return ghost_.size(kB2); }

 private:
  enum : uint8_t { kT1 = 0, kT2 = 1 };
  enum : uint8_t { kB1 = 0, kB2 = 1 };

  void Push(Entry& e, uint8_t list);
  void Unlink(Entry& e);
  void TrimGhosts();

  eviction::IntrusiveList t1_;
  eviction::IntrusiveList t2_;
  size_t t1_n_ = 0;
  size_t t2_n_ = 0;
  eviction::GhostTable ghost_;
  double p_ = 0;
  size_t c_ = 0;  // capacity estimate: resident count at the last PickVictim
  Entry* pending_victim_ = nullptr;
};

std::unique_ptr<EvictionPolicy> MakeArcPolicy();

}  // namespace cairn
