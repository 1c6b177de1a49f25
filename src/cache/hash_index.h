// HashIndex: the shard's key -> entry map. Open addressing over cache-line buckets (after Valkey
// 8.1's src/hashtable.c): a power-of-two array of 64-byte buckets, each holding up to 7 Entry*
// with a presence bitmap and one 8-bit hash tag per slot. A key lives in its home bucket
// (hash & mask) or in that bucket's chain of overflow children, never in a neighbour's bucket;
// a full bucket gives its last slot to a pointer to a child bucket (6 entries + child).
//
//   byte 0      presence bits 0-6 (slot i used), bit 7 "chained" (slot 6 holds the child)
//   bytes 1-7   tag of slot 0..6: bits 40-47 of the key's hash (the shard uses the top bits,
//               the bucket the low bits, so the tag is independent of both)
//   bytes 8-63  7 slots of Entry* (or 6 and the child pointer)
//
// Find compares the 7 tags at once (one 64-bit word), then key length and bytes of the slots
// whose tag matches: a lookup reads the bucket's line and, unless 1 in 256 tags collide, only the
// entry it wants. Invariant: in a chain every bucket but the last is full, so Remove fills its
// hole from the chain's last bucket and frees that bucket when it empties.
//
// Size: grows x2 when the table holds more than kMaxLoad keys per home bucket (8: 114% of the
// 7 slots, the overflow going to children), shrinks /2 below 1 key per bucket. Index bytes per
// key at 1M keys in 16 shards (7.6 keys per bucket): ~12.7 (64 B per bucket, ~0.5 child per
// bucket); over a grow cycle (4..8 keys per bucket) 12.6..16.8. The chained index it replaced
// cost 8 B of bucket at load 0.5..1 plus an 8-byte chain pointer in every entry: 16..24.
//
// SCAN: ScanStep walks home buckets in Redis's reverse-binary cursor order, visiting a home
// bucket's whole chain in one step, so a key present for the whole scan is returned even if the
// table is resized between calls (keys never leave their home bucket, and home buckets split
// and merge as in Redis's dict). Resizing rehashes the shard's table at once (no incremental
// rehash: a SCAN cursor then always refers to one table): with N keys in S shards that is N/S
// entries, ~1-2 ms for 1M keys in 16 shards.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/cache/entry.h"
#include "cairn/common/function_ref.h"

namespace cairn {

class HashIndex {
 public:
  static constexpr size_t kMinBuckets = 4;
  static constexpr size_t kSlots = 7;
  static constexpr size_t kMaxLoad = 8;  // keys per home bucket before growing
  // Slot bit: the entry has an expiry (Entry::has_expiry), so the active-expiry sweep
  // (ExpiringStep) finds the keys with a TTL without reading the others.
  static constexpr uintptr_t kExpiring = 1;

  struct alignas(64) Bucket {
    uint8_t meta = 0;  // bits 0-6 presence, bit 7 chained
    uint8_t tags[kSlots] = {};
    // Entry address | kExpiring (entries are at least 8-byte aligned, so bit 0 is free), or in
    // slot 6 of a chained bucket the child's address.
    uintptr_t slots[kSlots] = {};

    Entry* entry(int slot) const { return reinterpret_cast<Entry*>(slots[slot] & ~kExpiring); }
    bool expiring(int slot) const { return (slots[slot] & kExpiring) != 0; }
    bool chained() const { return (meta & kChained) != 0; }
    Bucket* child() const { return reinterpret_cast<Bucket*>(slots[kSlots - 1]); }
    uint8_t presence() const { return static_cast<uint8_t>(meta & kPresence); }
    // Slots that can hold entries: all 7, or 6 when slot 6 holds the child.
    uint8_t usable() const { return chained() ? kPresence >> 1 : kPresence; }
  };
  static_assert(sizeof(Bucket) == 64, "a bucket is one cache line");

  HashIndex() : buckets_(kMinBuckets) {}
  ~HashIndex();
  HashIndex(const HashIndex&) = delete;
  HashIndex& operator=(const HashIndex&) = delete;

  static uint8_t Tag(uint64_t hash) { return static_cast<uint8_t>(hash >> 40); }

  Entry* Find(std::string_view key, uint64_t hash) const {
    const uint8_t tag = Tag(hash);
    for (const Bucket* b = &buckets_[hash & mask()];;) {
      for (uint32_t m = Candidates(*b, tag); m != 0; m &= m - 1) {
        Entry* e = b->entry(__builtin_ctz(m));
        if (e->key_len() == key.size() && std::memcmp(e->key().data(), key.data(), key.size()) == 0)
          return e;
      }
      if (!b->chained()) return nullptr;
      b = b->child();
    }
  }
  // Software prefetch for a run of lookups whose hashes are known ahead (the flusher's batch):
  // PrefetchBucket(h) some lookups ahead, PrefetchHead(h) a few later, once the bucket is in
  // cache, pulls in the first entry whose tag matches (header and key, two cache lines).
  void PrefetchBucket(uint64_t hash) const { __builtin_prefetch(&buckets_[hash & mask()]); }
  void PrefetchHead(uint64_t hash) const {
    const Bucket& b = buckets_[hash & mask()];
    if (uint32_t m = Candidates(b, Tag(hash)); m != 0) {
      const Entry* e = b.entry(__builtin_ctz(m));
      __builtin_prefetch(e);
      __builtin_prefetch(reinterpret_cast<const char*>(e) + 64);
    }
  }
  // Calls fn(i) for i in [0, n) in order, prefetching the buckets and first candidates of the
  // lookups hash_of(i + kAhead) and hash_of(i + 2 * kAhead): a batch of lookups over a table
  // larger than the cache overlaps its misses instead of paying them one after the other.
  template <typename HashOf, typename Fn>
  void ForEachPrefetched(size_t n, HashOf hash_of, Fn fn) const {
    constexpr size_t kAhead = 8;
    for (size_t j = 0; j < n && j < 2 * kAhead; ++j) PrefetchBucket(hash_of(j));
    for (size_t j = 0; j < n && j < kAhead; ++j) PrefetchHead(hash_of(j));
    for (size_t i = 0; i < n; ++i) {
      if (i + 2 * kAhead < n) PrefetchBucket(hash_of(i + 2 * kAhead));
      if (i + kAhead < n) PrefetchHead(hash_of(i + kAhead));
      fn(i);
    }
  }
  // Insert may throw std::bad_alloc (growth, an overflow bucket); e is then not added. Its
  // expiring bit is e->has_expiry() then; SetExpiring keeps it true when that changes.
  void Insert(Entry* e, uint64_t hash);                      // key must not be present
  void Remove(Entry* e, uint64_t hash);                      // e must be present
  void Replace(Entry* old, Entry* fresh, uint64_t hash);     // same key, old leaves; bit kept
  void SetExpiring(Entry* e, uint64_t hash, bool expiring);  // e must be present
  // Active expiry's sweep: calls fn on every entry of home bucket `home` (& the mask) and its
  // chain whose expiring bit is set, and returns the next home bucket (0 after the last). fn may
  // not modify the index. Reads only the buckets: an entry without a TTL is never touched.
  size_t ExpiringStep(size_t home, FunctionRef<void(Entry*)> fn) const;
  // Visits the home bucket at `cursor` and its chain (Redis dictScan order) and returns the next
  // cursor (0 = done). fn may not modify the index.
  uint64_t ScanStep(uint64_t cursor, FunctionRef<void(Entry*)> fn) const;
  // A random resident entry (nullptr when empty). `rng` is an xorshift state.
  Entry* Random(uint64_t& rng) const;
  // Calls fn for every entry; fn may not modify the index.
  void ForEach(FunctionRef<void(Entry*)> fn) const;
  // Detaches every entry, calling fn on each (for freeing), and resets to kMinBuckets.
  void Clear(FunctionRef<void(Entry*)> fn);

  size_t size() const { return size_; }
  size_t bucket_count() const { return buckets_.size(); }
  size_t child_count() const { return children_; }
  // Home buckets plus overflow children: every byte the index holds.
  size_t memory_bytes() const { return (buckets_.capacity() + children_) * sizeof(Bucket); }

 private:
  static constexpr uint8_t kPresence = 0x7f;
  static constexpr uint8_t kChained = 0x80;

  // Bit i set when slot i is used (and not the child pointer) and its tag equals `tag`.
  static uint32_t Candidates(const Bucket& b, uint8_t tag) {
    uint64_t w;
    std::memcpy(&w, &b, sizeof(w));  // byte 0 meta, bytes 1-7 tags (little-endian)
    const uint64_t x = (w ^ (0x0101010101010101ULL * tag)) >> 8;  // tag bytes equal -> 0
    const uint64_t z = (x - 0x0001010101010101ULL) & ~x & 0x0080808080808080ULL;
    // Gather bit 7 of each byte into bits 0-6 (multiply-shift; z has at most 7 bits set).
    const auto bits = static_cast<uint32_t>(((z >> 7) * 0x0102040810204080ULL) >> 56);
    return bits & b.presence() & b.usable();
  }
  uint64_t mask() const { return buckets_.size() - 1; }
  // The bucket and slot of `e` in the chain of `home` (e must be there); compares tags first.
  static std::pair<Bucket*, int> Locate(Bucket* home, const Entry* e, uint8_t tag);
  // Puts e into `table` (a power-of-two bucket array), counting a new child in `children`. Throws
  // std::bad_alloc before changing anything when a child cannot be allocated.
  static void Place(std::vector<Bucket>& table, uintptr_t e, uint64_t hash, size_t& children);
  void Resize(size_t buckets);
  static void FreeChildren(std::vector<Bucket>& table);

  std::vector<Bucket> buckets_;
  size_t size_ = 0;
  size_t children_ = 0;
};

}  // namespace cairn
