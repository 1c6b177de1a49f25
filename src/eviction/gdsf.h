// gdsf: size-aware eviction, an O(1) approximation of Greedy-Dual-Size-Frequency (L. Cherkasova,
// "Improving WWW Proxies Performance with Greedy-Dual-Size-Frequency Caching Policy", HP Labs
// HPL-98-69, 1998). GDSF gives each entry the priority H = L + F / S (F its frequency, S its
// size, L the "inflation" value: the priority of the last victim) and evicts the lowest H: small
// and frequently read entries stay longer, large cold ones go first, and since every insert or
// read starts from the current L, entries that are no longer read age out. Under a byte limit
// (maxmemory) that keeps more objects, so the object hit ratio (Redis's keyspace_hits /
// (hits + misses)) rises over size-oblivious policies, at some cost in byte hit ratio.
//
// Why O(1) and not the textbook O(log n). Exact GDSF keeps a priority queue keyed by H: O(log n)
// per insert, read and eviction, a heap node or tree link per entry, and a cache miss per level
// on the hot path. The eviction contract asks for O(1) (include/cairn/eviction/policy.h), and the
// precision buys little: F is a small logarithmic counter and S matters by its ratio to the
// other entries' sizes, so a few dozen distinct levels of F / S carry the signal. Priorities are
// quantised into a ring of 128 buckets, each an LRU list, and L is the absolute index of the
// lowest non-empty bucket:
//   insert or read  v = clamp(F x 16 x mean / charge, 1, 127); the entry goes to the hot end of
//                   bucket (L + v) mod 128, recorded in its tag (bits 0-6, composable).
//   victim          the cold end of bucket L mod 128; while that bucket is empty, L advances
//                   (the inflation), at most 127 steps per call.
// All live priorities lie in [L, L + 127], so the ring is unambiguous. F is the shard's LFU
// counter (1 + counter - kInitVal: 1 for a new key, growing with the logarithmic counter, i.e.
// about as the square root of the reads, so a burst of reads cannot pin a large entry). S is
// Entry::charge() (header + key + value), scaled by the mean charge of the resident entries (a
// running sum, kept exact through OnReplace and OnResize), so the scale fits any value sizes:
// an entry of mean size read once lands 16 buckets ahead of L, one 8x smaller (or read 8x more
// often) 127 ahead, one 16x larger (or more) 1 ahead. With equal sizes it is LRU with a frequency
// bonus. Deviations from the paper: H is linear in F/S only within that 127:1 range (the paper's is
// unbounded), F is the dampened LFU counter, ties within a bucket are broken by recency (LRU).
//
// Complexity: O(1) per call; PickVictim walks at most 127 empty buckets (amortised less: each
// step raises L for good). Metadata: the ring (128 list heads, 2 KB), nothing per entry. Chosen
// over size-aware admission in front of S3-FIFO or W-TinyLFU because it needs no extra per-key
// state (admission by size needs a threshold tuned to the size mix) and composes as one more
// expert of adaptive (adaptive.h), which runs it only when the cache is limited by bytes and
// sizes vary. Measured (bench/hitratio --bytes, object hit ratio): bench/hitratio/README.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"
#include "intrusive_list.h"

namespace cairn {

class GdsfPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "gdsf";
  static constexpr size_t kBuckets = 128;
  static constexpr uint64_t kMeanBuckets = 16;  // an entry of mean charge, read once: L + 16

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  void OnResize(Entry& e, size_t old_charge) override;
  Entry* PickVictim(uint32_t now_s) override;
  size_t MetadataBytes() const override { return sizeof(ring_); }
  void Clear() override;

  // Introspection (tests): the inflation value L (absolute bucket index).
  uint64_t inflation() const { return base_; }

 private:
  void Place(Entry& e);

  std::array<eviction::IntrusiveList, kBuckets> ring_{};
  uint64_t base_ = 0;
  size_t count_ = 0;
  uint64_t charge_sum_ = 0;  // of the resident entries (their mean scales S)
};

std::unique_ptr<EvictionPolicy> MakeGdsfPolicy();

}  // namespace cairn
