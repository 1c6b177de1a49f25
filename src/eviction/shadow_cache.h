// ShadowCache: a miniature simulation of one policy over a hash-sampled subset of the keys
// (Waldspurger et al., "Cache Modeling and Optimization using Miniature Simulations", ATC'17).
// It runs a real EvictionPolicy instance over fake entries (an Entry header whose key is the
// 8-byte key hash) with a capacity in entries, and reports hit or miss per request. The adaptive
// policy feeds several shadows the same sampled requests and compares their hit counts.
//
// Memory: `capacity` Entry blocks of 64 bytes, 8 bytes of hash per block and a probe table of
// 4-byte slots at load <= 1/2, about 88 bytes per shadow entry, allocated by Reset() and reused
// until the next Reset() (no allocation per request), plus the inner policy's own metadata.
// Complexity: Request and Erase are O(1) expected plus one inner policy call or two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "cairn/eviction/policy.h"

namespace cairn::eviction {

class ShadowCache {
 public:
  explicit ShadowCache(std::unique_ptr<EvictionPolicy> policy);
  ~ShadowCache();
  ShadowCache(const ShadowCache&) = delete;
  ShadowCache& operator=(const ShadowCache&) = delete;

  // Empties the shadow and sizes it for `capacity` entries (0 releases the memory). With
  // `fresh`, the policy is replaced by it (releasing the old one's ghosts and sketch, which
  // Clear() keeps allocated) instead of cleared.
  // With `byte_capacity` > 0 the shadow is also limited by the sum of its entries' charges
  // (a byte-limited cache: `capacity` then only bounds its memory).
  void Reset(size_t capacity, std::unique_ptr<EvictionPolicy> fresh = nullptr,
             uint64_t byte_capacity = 0);
  // One request (a hit or a miss that fills) for the key with this hash, whose entry is charged
  // `charge` bytes (Entry::charge(); the fake entry gets the same charge, so size-aware policies
  // see it); true on a hit.
  bool Request(uint64_t hash, size_t charge = 0);
  // The key left the real cache other than by eviction (DEL, expiry): forget it here too.
  void Erase(uint64_t hash);

  size_t capacity() const { return capacity_; }
  size_t size() const { return size_; }
  uint64_t byte_capacity() const { return byte_capacity_; }
  const EvictionPolicy& policy() const { return *policy_; }
  size_t MemoryBytes() const;

 private:
  static constexpr uint32_t kNil = 0xffffffffu;
  static constexpr size_t kBlock = sizeof(Entry) + 8;  // header + 8-byte key

  Entry* EntryAt(uint32_t block) { return reinterpret_cast<Entry*>(&blocks_[block * kBlock]); }
  uint32_t BlockOf(const Entry* e) const;
  size_t Home(uint64_t hash) const { return static_cast<size_t>(hash >> 11) & mask_; }
  // Slot holding `hash`, or the empty slot where the probe ended (slots_[s] == kNil).
  size_t Probe(uint64_t hash) const;
  void EraseSlot(size_t slot);
  void Remove(uint32_t block);

  std::unique_ptr<EvictionPolicy> policy_;
  size_t capacity_ = 0;
  size_t size_ = 0;
  uint64_t byte_capacity_ = 0;
  uint64_t bytes_ = 0;
  uint64_t rng_ = 0x9e3779b97f4a7c15ULL;  // for the fake entries' LFU counters
  std::vector<unsigned char> blocks_;
  std::vector<uint64_t> hash_of_;  // per block
  std::vector<uint32_t> free_;     // free blocks
  std::vector<uint32_t> slots_;    // block index or kNil
  size_t mask_ = 0;
};

}  // namespace cairn::eviction
