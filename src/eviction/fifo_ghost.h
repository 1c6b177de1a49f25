// FifoGhost: the key hashes of the last `limit` pushes, with O(1) membership: S3-FIFO's ghost
// queue, built for speed (one cache line per operation) rather than as a linked FIFO.
//
// Layout. A power-of-two array of 64-byte buckets, each holding 8 slots of {32-bit fingerprint,
// 32-bit push sequence number}. A hash picks one bucket (low bits) and a fingerprint (high bits,
// never 0, which marks an empty slot). Each call moves a horizon up to "the last `limit`
// pushes"; ghosts pushed before the horizon are dead for good (a FIFO trimmed to the current
// limit: a shrinking limit drops the oldest, a growing one does not revive them), so the FIFO's
// tail falls off by itself and nothing is ever unlinked or trimmed.
//   Push writes into the bucket's empty, expired or same-fingerprint slot, else over its oldest
// ghost. The table keeps at least two slots per ghost (at most 4 per bucket on average), so a
// bucket of 8 overflows rarely (Poisson(4) > 8: ~2% of pushes), and then it is the bucket's
// oldest ghost that leaves early: an approximation of FIFO order, documented in s3fifo.h.
// Take removes a live ghost (a ghost hit consumes it). Ghosts taken still count in the age of
// the others, so after hits slightly fewer than `limit` ghosts are live.
//   Pushes are staged: each gets its sequence number at once and waits in a 16-entry buffer
// (which Take also searches); a full buffer is flushed by prefetching all 16 buckets, then
// writing them, so the cache misses of 16 pushes overlap (the table is usually larger than the
// CPU caches: one S3-FIFO miss would otherwise pay two random memory accesses to its ghost).
//
// Memory: 8 bytes per slot, 16 to 32 bytes per ghost. The table is sized for twice the limit
// and rebuilt, empty, when the limit outgrows it (slots store no bucket bits to rehash with); that
// only happens while the resident count is growing, when ghosts matter least. It never shrinks
// except on Reset(). A false ghost hit needs a 32-bit
// fingerprint collision within one bucket: ~2e-9 per lookup. Sequence numbers are 32-bit: a slot
// left untouched for 2^31 pushes can look young again, which at worst keeps its bucket one slot
// fuller (a false hit would also need a fingerprint match).
// Complexity: Push and Take touch one bucket: O(1), no allocation except table growth
// (amortised O(1) while the cache grows).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace cairn::eviction {

class FifoGhost {
 public:
  // Pushes `hash` as the newest ghost; the table is sized for `limit` live ghosts.
  void Push(uint64_t hash, size_t limit);
  // Starts loading the bucket of `hash` into the CPU cache (for a Take soon after).
  void Prefetch(uint64_t hash) const {
    if (buckets_ != 0) __builtin_prefetch(&BucketOf(hash), 1);
  }
  // Whether `hash` is one of the last `limit` pushes not yet taken; if so, it is taken.
  bool Take(uint64_t hash, size_t limit);
  // Live ghosts (O(table); tests and introspection).
  size_t CountLive(size_t limit) const;
  size_t MemoryBytes() const { return buckets_ * sizeof(Bucket) + sizeof(staged_); }
  void Reset();

 private:
  static constexpr int kWays = 8;
  static constexpr int kStage = 16;
  static constexpr size_t kMinBuckets = 64;  // 4 KiB: small caches never overflow a bucket
  struct Slot {
    uint32_t fingerprint;  // 0: empty
    uint32_t seq;
  };
  struct alignas(64) Bucket {
    Slot slot[kWays];
  };
  struct FreeBuckets {
    void operator()(Bucket* b) const { ::operator delete[](b, std::align_val_t{64}); }
  };

  static uint32_t Fingerprint(uint64_t hash) {
    auto f = static_cast<uint32_t>(hash >> 32);
    return f == 0 ? 1 : f;
  }
  // Sequence comparisons are modulo 2^32.
  static bool NotBefore(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) >= 0; }
  static uint32_t Horizon(uint32_t horizon, uint32_t next_seq, size_t limit) {
    uint32_t h = next_seq - static_cast<uint32_t>(limit);
    return NotBefore(h, horizon) ? h : horizon;
  }
  static bool Live(const Slot& s, uint32_t horizon) {
    return s.fingerprint != 0 && NotBefore(s.seq, horizon);
  }
  Bucket& BucketOf(uint64_t hash) const { return table_[hash & (buckets_ - 1)]; }
  void Grow(size_t limit);
  void Write(uint64_t hash, uint32_t seq);
  void Flush();

  std::unique_ptr<Bucket[], FreeBuckets> table_;
  size_t buckets_ = 0;
  uint32_t next_seq_ = 1;
  uint32_t horizon_ = 1;  // the oldest live sequence number
  struct Staged {
    uint64_t hash;
    uint32_t seq;
  };
  Staged staged_[kStage];
  int staged_n_ = 0;
};

}  // namespace cairn::eviction
