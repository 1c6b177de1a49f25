// LFU with O(1) frequency buckets and idle-time aging.
//
// Algorithm. Every entry carries Redis's 8-bit logarithmic access counter (Entry::freq(), see
// cairn/eviction/lfu_counter.h; the shard decays and increments it on each access before calling
// OnAccess). The policy keeps 256 buckets, one per counter value, each an intrusive list through
// Entry::prev/next in recency order (cold end at the front), plus a 256-bit occupancy bitmap. The
// bucket an entry sits in is stored in Entry::policy_tag, because the shard changes freq() before
// OnAccess and the policy must still find the list the entry is on.
//   OnInsert   append to bucket freq() (new keys start at lfu::kInitVal = 5, as in Redis, so a
//              brand-new key is not evicted before idle ones that decayed below it).
//   OnAccess   unlink from bucket policy_tag, append to bucket freq().
//   PickVictim first run `aging_steps` aging steps (below), then return the front of the lowest
//              non-empty bucket (found with count-trailing-zeros over four 64-bit words): the
//              least recently touched entry among those with the lowest counter.
//   OnReplace  the new allocation takes the old one's links and bucket.
//
// Aging. A key that was hot and is never touched again must eventually leave. Redis decays a
// counter by one per `lfu-decay-time` minutes of idleness, lazily (LFUDecrAndReturn) when the key
// is touched or sampled for eviction. Here each PickVictim first runs `aging_steps` sweep steps:
// a round-robin cursor over the bitmap picks the next non-empty bucket above 0, and its cold-end
// entry moves to bucket lfu::Decay(freq, last_access_s, now_s) if that is lower. The aged entry
// goes to the hot end of its new bucket if it was accessed no earlier than the entry there (or
// the bucket is empty), else to the cold end. Arrivals from one bucket come in last-access order
// (the sweep always takes its most idle entry), so this keeps buckets ordered; otherwise an aged
// entry (idle for at least one decay period) goes ahead of fresher ones. The only misordering is
// an idle entry evicted slightly before an even more idle one with the same decayed counter,
// never an idle key hidden behind a recently touched one.
//   Only the bucket moves: freq() and last_access_s() stay as they are. Writing the decayed
//   counter back without moving last_access_s would charge the same idle time twice (at the next
//   sweep, and in the shard's next touch); moving last_access_s would corrupt OBJECT IDLETIME.
//   Keeping the raw counter makes the sweep idempotent and is exactly Redis's state (counter +
//   time of last access); the shard's next touch applies the same decay before incrementing. So
//   OBJECT FREQ should report lfu::Decay(freq, last_access_s, now), as Redis does.
//
// Bound. PickVictim touches at most 1 + 3 * aging_steps entries (examine, unlink, link) and scans
// the 4-word bitmap 1 + 2 * aging_steps times at most: O(1). The cursor visits the cold end of
// every non-empty bucket within ceil(255 / aging_steps) = 128 calls (default), and an examined
// entry falls by its whole accumulated decay at once. An entry deeper in a bucket waits for those
// ahead of it, each of which becomes decayable within one decay period unless touched (then it
// moves to a hot end). Aging runs only when a victim is wanted, the only time the order matters.
//
// Deviations from the reference. Redis's allkeys-lfu samples `maxmemory-samples` keys and evicts
// the lowest decayed counter from a 16-entry pool: approximate but with decay applied to every
// sampled key. Here the order is exact for the stored buckets and the decay is applied with
// bounded lag (above); ties are broken by recency, which Redis does not do. The O(1) bucket
// structure follows Shah, Mitra, Matani; the 256-bucket bitmap exploits the 8-bit counter.
//
// Tunables: decay_minutes (Redis lfu-decay-time, default 1; 0 disables aging, matching the
// shard's lfu::Decay), aging_steps (entries examined per PickVictim, default 2). The log factor
// (lfu-log-factor) lives in the shard's counter update, not here.
// Complexity: every operation O(1), no allocation. Memory: the Entry links and tag plus a fixed
// 4 KiB bucket table and 32-byte bitmap per policy instance (reported by MetadataBytes()).
// work() counts one per entry linked, unlinked, moved, examined by aging, or returned.
// References: Redis src/evict.c (LFULogIncr, LFUDecrAndReturn, evictionPoolPopulate) and
// redis.conf "lfu-log-factor / lfu-decay-time"; K. Shah, A. Mitra, D. Matani, "An O(1)
// algorithm for implementing the LFU cache eviction scheme" (2010); Caffeine simulator
// policy/linked/FrequentlyUsedPolicy.java.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cairn/eviction/lfu_counter.h"
#include "cairn/eviction/policy.h"
#include "intrusive_list.h"

namespace cairn {

class LfuPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "lfu";
  static constexpr int kBuckets = 256;
  static constexpr int kDefaultAgingSteps = 2;

  explicit LfuPolicy(int decay_minutes = lfu::kDefaultDecayMinutes,
                     int aging_steps = kDefaultAgingSteps);

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  size_t MetadataBytes() const override { return sizeof(buckets_) + sizeof(occupied_); }
  void Clear() override;

 private:
  static constexpr int kWords = kBuckets / 64;

  // Appends `e` to bucket `b` (hot end) or prepends it (cold end); records `b` in policy_tag.
  void Link(Entry& e, uint8_t b, bool cold_end);
  // Removes `e` from the bucket named by its policy_tag.
  void Unlink(Entry& e);
  // Lowest non-empty bucket >= from, or -1.
  int FindOccupied(int from) const;
  // Examines the cold end of the next non-empty bucket above 0 and moves it to its decayed bucket.
  void AgeOne(uint32_t now_s);

  std::array<eviction::IntrusiveList, kBuckets> buckets_;
  std::array<uint64_t, kWords> occupied_{};
  int decay_minutes_;
  int aging_steps_;
  int age_cursor_ = 1;  // next bucket the aging sweep looks at, in [1, kBuckets]
};

std::unique_ptr<EvictionPolicy> MakeLfuPolicy();

}  // namespace cairn
