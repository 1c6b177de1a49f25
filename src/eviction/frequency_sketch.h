// FrequencySketch: TinyLFU's popularity estimate, a count-min sketch of 4-bit counters with
// periodic halving ("aging"), after Caffeine's FrequencySketch.
//
// Layout. The table is a power-of-two array of 64-bit words, 16 counters of 4 bits per word, one
// word per expected resident entry (Caffeine's sizing: about 8 bytes per entry). A key maps to
// one 64-byte block (8 words, one cache line) by its hash, and to four counters in that block,
// one in each pair of words, by a remix of the hash; its estimate is the minimum of the four.
// Counters saturate at 15: TinyLFU only compares "how popular recently", and 15 hits within a
// sample is already hot.
//
// Aging. After sample_size = 10 x capacity successful increments every counter is halved, so the
// sketch forgets old popularity at a rate tied to the cache size (Einziger et al.: "reset"). Where
// Caffeine halves the whole table in one pass (O(table) in one call), this sketch halves one
// block (8 words) per subsequent Increment: the pass completes after table/8 increments, 1.25%
// of the sample period, and no call does more than a constant amount of work. During the pass a
// comparison between a halved and a not-yet-halved block is biased by at most one halving.
//
// Growth. EnsureCapacity(n) grows the table to the next power of two >= n words when n exceeds
// it (the owning policy calls it with its resident count); growing starts the counts afresh, as
// Caffeine does when the maximum changes. Doubling makes that amortised O(1) while the cache
// fills, and it never happens in steady state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cairn::eviction {

class FrequencySketch {
 public:
  static constexpr int kMaxCount = 15;
  static constexpr size_t kDefaultSampleFactor = 10;

  // `sample_factor`: increments per table word between halvings (Caffeine: 10).
  explicit FrequencySketch(size_t sample_factor = kDefaultSampleFactor)
      : sample_factor_(sample_factor) {
    Reset();
  }

  // Grows the table for `entries` resident entries (no-op when it is already big enough).
  void EnsureCapacity(size_t entries);
  // Estimated recent accesses of the key with this hash, 0..15.
  int Frequency(uint64_t hash) const;
  // Counts one access.
  void Increment(uint64_t hash);
  // Starts loading the key's block into the CPU cache (for a later Increment or Frequency).
  void Prefetch(uint64_t hash) const {
    if (!table_.empty())
      __builtin_prefetch(&table_[(static_cast<size_t>(hash) & block_mask_) * kBlockWords], 1);
  }
  // Back to the smallest table, all counts zero.
  void Reset();

  size_t capacity() const { return table_.size(); }
  size_t sample_size() const { return sample_size_; }
  // Increments counted since the last halving began (decays with it).
  size_t size() const { return size_; }
  // Completed halving passes (tests).
  uint64_t halvings() const { return halvings_; }
  size_t MemoryBytes() const { return table_.capacity() * sizeof(uint64_t); }

 private:
  static constexpr size_t kMinWords = 8;
  static constexpr size_t kBlockWords = 8;

  // The four word indices and nibble shifts of `hash`.
  struct Slots {
    size_t word[4];
    int shift[4];
  };
  Slots Locate(uint64_t hash) const;
  void Allocate(size_t words);
  void HalveNextBlock();

  size_t sample_factor_;
  std::vector<uint64_t> table_;
  size_t block_mask_ = 0;
  size_t sample_size_ = 0;
  size_t size_ = 0;
  bool halving_ = false;
  size_t halve_cursor_ = 0;
  size_t halve_odd_ = 0;
  uint64_t halvings_ = 0;
};

}  // namespace cairn::eviction
