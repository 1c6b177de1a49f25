// SLRU: segmented LRU, a probationary segment for entries seen once and a protected segment for
// entries hit at least once since they arrived.
//
// Algorithm (Karedla, Love, Wherry 1994). New entries join the hot end of probation. A hit in
// probation moves the entry to the hot end of protected; a hit in protected moves it to its hot
// end. Protected is capped at kProtectedPercent of the resident entries: a promotion that
// overflows it demotes protected's coldest entry to the hot end of probation (a second chance,
// not an eviction). Victims come from the cold end of probation, or of protected when probation
// is empty. A scan of one-time keys therefore only churns probation, and the working set that
// was hit twice survives it.
//
// Deviation: the paper's segment sizes are fractions of a fixed capacity; the policy does not
// know the cache's capacity (limits are the shard's, in bytes or items), so the protected cap is
// a fraction of the current resident count, which equals the capacity once the cache is full.
// Sizes are counted in entries, not bytes (an in-place overwrite changes an entry's charge
// without telling the policy, so a byte count could drift).
//
// Metadata: the Entry links; policy_tag = segment. Tunables: kProtectedPercent (80, as in
// Caffeine's main space and CacheLib's MM2Q hot share).
// Complexity: every operation O(1), at most 2 entries moved per call, no allocation.
// work() counts entries linked, unlinked, moved or returned.
// References: R. Karedla, J.S. Love, B.G. Wherry, "Caching strategies to improve disk system
// performance" (Computer, 1994); Caffeine simulator policy/linked/SegmentedLruPolicy.java.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"
#include "intrusive_list.h"
#include "policy_tag.h"

namespace cairn {

class SlruPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "slru";
  static constexpr size_t kProtectedPercent = 80;

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  void Clear() override;

 private:
  enum Segment : uint8_t { kProbation = 0, kProtected = 1 };

  eviction::IntrusiveList& list(uint8_t s) { return s == kProtected ? protected_ : probation_; }

  eviction::IntrusiveList probation_;
  eviction::IntrusiveList protected_;
  size_t probation_n_ = 0;
  size_t protected_n_ = 0;
};

std::unique_ptr<EvictionPolicy> MakeSlruPolicy();

}  // namespace cairn
