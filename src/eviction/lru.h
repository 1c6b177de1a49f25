// Exact LRU: evicts the least recently inserted-or-accessed entry.
//
// Algorithm. One intrusive doubly linked list through Entry::prev/next, cold end at the front.
// OnInsert appends at the hot end, OnAccess moves the entry to the hot end, PickVictim returns
// the front, OnErase unlinks, OnReplace splices the new allocation into the old one's links.
//
// Deviations from the reference. Redis's allkeys-lru (src/evict.c) is *approximated*: it samples
// `maxmemory-samples` random keys into a 16-entry eviction pool and evicts the one with the
// largest idle time, because a Redis object has only a 24-bit clock, no list links. Cairn's entries
// carry two policy links, so the order is exact, as in memcached's items.c and CacheLib's MMLru.
// Both of those skip relinking an item touched very recently (memcached's ITEM_UPDATE_INTERVAL of
// 60 s, CacheLib's lruRefreshTime) to cut lock hold time on hot reads. We relink on every access:
// the shard lock is already held and the relink is a few pointer writes. If profiling ever shows
// that hot-key relinking matters, a refresh interval can be added here without touching the
// contract (at the price of exactness).
//
// Tunables: none.
// Complexity: every operation O(1), no allocation; memory: 16 bytes of links per entry (in the
// Entry header) plus two pointers. work() counts one per entry linked, unlinked or returned.
// References: Redis src/evict.c; memcached doc/new_lru.txt; CacheLib cachelib/allocator/MMLru.h.
#pragma once

#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"
#include "intrusive_list.h"

namespace cairn {

class LruPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "lru";

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  void Clear() override;

 private:
  eviction::IntrusiveList list_;
};

std::unique_ptr<EvictionPolicy> MakeLruPolicy();

}  // namespace cairn
