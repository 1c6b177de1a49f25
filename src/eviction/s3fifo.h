// S3-FIFO: a small FIFO that filters one-hit wonders, a main FIFO with a 2-bit frequency
// (reinsertion, i.e. CLOCK), and a ghost FIFO that remembers keys recently evicted from the small
// queue.
//
// Algorithm (Yang et al., SOSP'23; libCacheSim S3FIFO.c). A new key joins the small queue S,
// unless its hash is in the ghost G, in which case it joins the main queue M (it was evicted
// from S too early once already). A hit only increments the entry's 2-bit counter (capped at 3;
// no relinking). Eviction: while S holds at least kSmallPercent of the resident entries, examine
// the oldest entry of S: if it was hit at least `threshold` times it moves to M with its counter
// reset; otherwise it is the victim and its key hash joins G (once eviction starts in S it
// continues there until a victim is found, as in libCacheSim). When S is below its share, or
// was emptied by promotions, examine the oldest of M: a non-zero counter is decremented and the
// entry reinserted at M's new end; a zero counter makes it the victim (no ghost). G holds at most
// kGhostPercent of the resident count (the paper's 90% of the cache size); the oldest ghosts fall
// off.
//   As in libCacheSim's current S3FIFO.c, while the cache fills (before the first eviction), a
// new key joins M directly once S has its share, so the fill does not leave M half empty.
//
// Promotion threshold. `threshold` = 2 by default (hits while in S needed to move to M): the
// paper's artifact (libCacheSim) default. With 1, one re-reference during the short S residency
// promotes, which lets a key touched twice in a burst (a scan re-read, a read-after-write)
// displace a main entry; with 2 such keys go to the ghost and still reach M if they return
// within the ghost's memory. Measured with bench/hitratio ("s3fifo-t1"): threshold 2 is ahead by
// 0.05-0.15 points on the zipf, scan and loop workloads, behind by up to 0.25 when the hot set
// shifts (recency matters more there); a small difference either way, so the artifact's value.
//
// Latency. The ghost lookup of a new key is a random access to a table usually larger than the
// CPU caches. OnInsert only prefetches the key's ghost bucket and places the entry as if there
// were no ghost hit; the lookup completes at the start of the policy's next call (nothing can
// change the ghost in between), and a ghost hit then moves the entry, still at S's new end, to
// M. Victims are only chosen after that, so the order is exactly the paper's, and the miss is
// overlapped with whatever the shard and the network do between two requests.
//
// Deviations. Queue shares are fractions of the current resident count (the policy does not
// know the cache capacity; once full they are the same), counted in entries, not bytes (an
// in-place overwrite changes a charge without telling the policy). G is not a linked queue but
// an age-based table (fifo_ghost.h): a key hash is a ghost while it is among the last
// kGhostPercent x cache-size pushes, so G needs no trimming and costs one cache line per
// operation; when a table bucket overflows (~2% of pushes) its oldest ghost leaves early, and
// ghosts consumed by hits still count in the others' age. Eviction walks are bounded: one
// PickVictim moves or reinserts at most kMaxScan entries and then returns the entry it is looking
// at, which in the worst case is a main entry whose counter was not yet exhausted; the bound
// rarely binds because every step consumes one hit recorded earlier (amortised O(1)).
//
// Metadata per entry: the Entry links; policy_tag bits 0-1 counter, bit 2 "in M". Per policy: G,
// 8-byte slots, at least two per ghost (up to four after growth), for 0.9 x the cache: about
// 15-30 bytes per resident entry, at least 4 KiB (MetadataBytes()).
// Complexity: O(1) per operation, PickVictim amortised O(1) and at most kMaxScan + 1 entries
// per call; ghost operations touch one 64-byte bucket; no allocation in steady state.
// work() counts entries linked, unlinked, moved, reinserted or returned.
// References: J. Yang, Y. Zhang, Z. Qiu, Y. Yue, K.V. Rashmi, "FIFO queues are all you need for
// cache eviction" (SOSP 2023); libCacheSim libCacheSim/cache/eviction/S3FIFO.c.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"
#include "fifo_ghost.h"
#include "intrusive_list.h"
#include "policy_tag.h"

namespace cairn {

class S3FifoPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "s3fifo";
  static constexpr size_t kSmallPercent = 10;
  static constexpr size_t kGhostPercent = 90;
  static constexpr int kDefaultThreshold = 2;
  static constexpr int kMaxScan = 64;

  explicit S3FifoPolicy(int threshold = kDefaultThreshold) : threshold_(threshold) {}

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  size_t MetadataBytes() const override { return ghost_.MemoryBytes(); }
  void Clear() override;

  // Introspection (tests): settles a pending ghost check first, hence not const.
  size_t small_size() {
    Settle();
    return small_n_;
  }
  size_t main_size() {
    Settle();
    return main_n_;
  }
  size_t ghost_size() {  // O(ghost table)
    Settle();
    return ghost_.CountLive(GhostLimit());
  }

 private:
  static constexpr uint8_t kFreqMask = 3;
  static constexpr uint8_t kInMain = 4;

  static bool InMain(const Entry& e) { return (e.policy_tag & kInMain) != 0; }
  static int Freq(const Entry& e) { return e.policy_tag & kFreqMask; }
  static void SetState(Entry& e, bool main, int freq) {
    eviction::SetTag(e, static_cast<uint8_t>((main ? kInMain : 0) | freq));
  }
  void PushSmall(Entry& e);
  void PushMain(Entry& e);
  void Unlink(Entry& e);
  // Completes the ghost check of the last insert (see the essay): a ghost hit moves it to M.
  void Settle() {
    if (pending_insert_ != nullptr) SettleSlow();
  }
  void SettleSlow();
  bool SmallOverShare() const { return small_n_ * 100 >= (small_n_ + main_n_) * kSmallPercent; }
  // The ghost's length: kGhostPercent of the cache (the resident count plus the entry being
  // inserted, or the one just evicted).
  size_t GhostLimit() const { return (small_n_ + main_n_ + 1) * kGhostPercent / 100; }

  int threshold_;
  eviction::IntrusiveList small_;
  eviction::IntrusiveList main_;
  size_t small_n_ = 0;
  size_t main_n_ = 0;
  eviction::FifoGhost ghost_;
  Entry* pending_victim_ = nullptr;  // last PickVictim answer from S: its erase feeds the ghost
  bool evicted_ = false;             // an eviction has happened since construction or Clear
  Entry* pending_insert_ = nullptr;  // inserted; its ghost check is still to be done
  uint64_t pending_hash_ = 0;
};

std::unique_ptr<EvictionPolicy> MakeS3FifoPolicy();

}  // namespace cairn
