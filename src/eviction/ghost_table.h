// GhostTable: bounded memory of recently evicted keys, by 64-bit key hash (HashKey), kept in up
// to kMaxLists FIFO/LRU lists (S3-FIFO uses one ghost queue, ARC two: B1 and B2).
//
// Layout. Nodes live in one vector and are linked by 32-bit indices (prev, next), so a ghost
// costs 16 bytes of node plus 1 byte of list id; membership is an open-addressed table of node
// indices with linear probing and backward-shift deletion (no tombstones), kept at most half
// full: 8 bytes of table per node at the worst load. So a ghost costs 21 to 25 bytes, up to
// twice that just after the pools doubled (allocation slack), against 64 bytes of header + key +
// value for a resident entry; it holds no key bytes. Two keys with the same 64-bit hash
// are the same ghost (a false ghost hit has probability ~n/2^64).
//
// Growth. The owner bounds the ghost count (the policies trim to a multiple of their resident
// count); the node pool and table grow by doubling when that count is exceeded, and never
// shrink except on Reset(): allocation is amortised O(1) while the cache fills and zero in steady
// state. Find, PushBack, Remove and PopFront are O(1) expected (a probe sequence at load <= 1/2).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cairn::eviction {

class GhostTable {
 public:
  static constexpr int kMaxLists = 2;
  static constexpr uint8_t kAbsent = 0xff;

  // The list holding `hash`, or kAbsent.
  uint8_t Find(uint64_t hash) const;
  // Appends `hash` at the back (newest end) of `list`; if it is already a ghost, it is moved.
  void PushBack(uint8_t list, uint64_t hash) {
    Remove(hash);
    Append(list, hash);
  }
  // PushBack for a hash known not to be a ghost (one probe sequence fewer).
  void Append(uint8_t list, uint64_t hash);
  // Forgets `hash`; returns the list it was on, or kAbsent.
  uint8_t Remove(uint64_t hash);
  // Forgets the oldest ghost of `list` (no-op when the list is empty).
  void PopFront(uint8_t list);

  size_t size(uint8_t list) const { return lists_[list].size; }
  size_t total() const { return live_; }
  // Bytes allocated (node pool, list ids, probe table).
  size_t MemoryBytes() const;
  // Forgets everything and releases the memory.
  void Reset();

 private:
  static constexpr uint32_t kNil = 0xffffffffu;
  static constexpr size_t kMinSlots = 64;
  static constexpr size_t kNoSlot = ~size_t{0};

  struct Node {
    uint64_t hash;
    uint32_t prev;
    uint32_t next;  // also the free-list link
  };
  struct List {
    uint32_t head = kNil;  // oldest
    uint32_t tail = kNil;  // newest
    size_t size = 0;
  };

  // Fibonacci hashing: any 64-bit input spreads over the table.
  size_t SlotOf(uint64_t hash) const {
    return static_cast<size_t>((hash * 0x9E3779B97F4A7C15ULL) >> 32) & mask_;
  }
  // The table slot holding the node of `hash`, or kNoSlot.
  size_t FindSlot(uint64_t hash) const;
  uint32_t AllocNode();
  void Unlink(uint32_t n);
  void EraseSlot(size_t slot);
  // Forgets the node in table slot `slot`.
  void Free(size_t slot);
  void Grow();

  std::vector<Node> nodes_;
  std::vector<uint8_t> list_of_;
  std::vector<uint32_t> slots_;  // node index or kNil
  size_t mask_ = 0;
  uint32_t free_ = kNil;
  size_t live_ = 0;
  std::array<List, kMaxLists> lists_{};
};

}  // namespace cairn::eviction
