// gdsf: size-aware eviction, an O(1) approximation of GreedyDual-Size-Frequency (Cherkasova,
// "Improving WWW Proxies Performance with Greedy-Dual-Size-Frequency Caching Policy", HP Labs
// 1998). GDSF gives each entry the priority H = L + F / S (F its frequency, S its size, L the
// "inflation" value, the priority of the last victim) and evicts the lowest H: small objects and
// frequently read ones stay longer, large cold ones go first, and L ages everything. Under a byte
// limit that maximises the number of objects held, so the object hit ratio (what Redis's
// keyspace_hits / keyspace_misses measure) rises over size-oblivious policies, at some cost in
// byte hit ratio.
//
// Why not the textbook version. Exact GDSF keeps a priority queue: O(log n) per operation, which
// the eviction contract forbids. Here priorities are quantised into a ring of 128 buckets, each
// an LRU list, and L is the absolute index of the lowest bucket:
//   insert or hit  v = clamp(F x 16 x mean_charge / charge, 1, 127); the entry goes to the hot
//                  end of bucket (L + v) mod 128, recorded in its tag (bits 0-6, composable).
//   victim         the cold end of bucket L mod 128; while that bucket is empty, L advances
//                  (the inflation), at most 127 steps per call.
// All live priorities lie in [L, L + 127], so the ring is unambiguous. F is the shard's LFU
// counter (1 + counter - kInitVal: 1 for a new key, growing logarithmically with reads). S is
// Entry::charge(), scaled by the mean charge of the resident entries (a running sum), so the
// scale fits any value sizes: an entry of mean size lands 16 buckets ahead, one 8x smaller (or
// read 8x more often) 127 ahead, one 16x larger 1 ahead. With equal sizes it behaves like LRU
// with a frequency bonus. Deviation: priorities are linear in F/S only within that 127:1 range
// (the paper's are unbounded), and order within a bucket is LRU.
//
// Complexity: O(1) per call; PickVictim walks at most 127 empty buckets (amortised: each step
// raises L for good). Metadata: the ring (128 list heads, 2 KB), nothing per entry.
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

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
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
  uint64_t charge_sum_ = 0;
};

std::unique_ptr<EvictionPolicy> MakeGdsfPolicy();

}  // namespace cairn
