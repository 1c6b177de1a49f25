// HashIndex: the shard's key -> entry map. Separate chaining through Entry::hnext over a
// power-of-two bucket array (load factor <= 1; grows x2 when full, shrinks /2 below 1/8).
//
// Why not a library map: SCAN needs Redis's reverse-binary cursor over buckets, which guarantees
// that a key present for the whole scan is returned even if the table is resized between calls;
// open-addressing maps (absl, std::unordered_map's iteration order) cannot give that. Chaining
// through the entry itself also avoids a node allocation per key. Resizing rehashes the shard's
// table at once: with N keys in S shards that is N/S entries, e.g. ~1 ms for 1M keys in 16 shards.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cairn/cache/entry.h"
#include "cairn/common/function_ref.h"

namespace cairn {

class HashIndex {
 public:
  static constexpr size_t kMinBuckets = 16;

  HashIndex() : buckets_(kMinBuckets, nullptr) {}

  Entry* Find(std::string_view key, uint64_t hash) const {
    for (Entry* e = buckets_[hash & mask()]; e != nullptr; e = e->hnext) {
      if (e->key_len() == key.size() && e->key() == key) return e;
    }
    return nullptr;
  }
  // Software prefetch for a run of lookups whose hashes are known ahead (the flusher's batch):
  // PrefetchBucket(h) some lookups ahead, PrefetchHead(h) a few later, once the bucket is in
  // cache, pulls in the chain's first entry (header and key, two cache lines).
  void PrefetchBucket(uint64_t hash) const { __builtin_prefetch(&buckets_[hash & mask()]); }
  void PrefetchHead(uint64_t hash) const {
    if (const Entry* e = buckets_[hash & mask()]; e != nullptr) {
      __builtin_prefetch(e);
      __builtin_prefetch(reinterpret_cast<const char*>(e) + 64);
    }
  }
  // Calls fn(i) for i in [0, n) in order, prefetching the buckets and chain heads of the lookups
  // hash_of(i + kAhead) and hash_of(i + 2 * kAhead): a batch of lookups over a table larger than
  // the cache overlaps its misses instead of paying them one after the other.
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
  void Insert(Entry* e, uint64_t hash);                   // key must not be present
  void Remove(Entry* e, uint64_t hash);                   // e must be present
  void Replace(Entry* old, Entry* fresh, uint64_t hash);  // same key, old leaves
  // Visits the bucket at `cursor` (Redis dictScan order) and returns the next cursor (0 = done).
  uint64_t ScanStep(uint64_t cursor, FunctionRef<void(Entry*)> fn) const;
  // A random resident entry (nullptr when empty). `rng` is an xorshift state.
  Entry* Random(uint64_t& rng) const;
  // Calls fn for every entry; fn may not modify the index.
  void ForEach(FunctionRef<void(Entry*)> fn) const;
  // Detaches every entry, calling fn on each (for freeing), and resets to kMinBuckets.
  void Clear(FunctionRef<void(Entry*)> fn);

  size_t size() const { return size_; }
  size_t bucket_count() const { return buckets_.size(); }
  size_t memory_bytes() const { return buckets_.capacity() * sizeof(Entry*); }

 private:
  uint64_t mask() const { return buckets_.size() - 1; }
  void Resize(size_t buckets);

  std::vector<Entry*> buckets_;
  size_t size_ = 0;
};

}  // namespace cairn
