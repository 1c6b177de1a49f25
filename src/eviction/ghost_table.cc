#include "ghost_table.h"

#include <cassert>

namespace cairn::eviction {

size_t GhostTable::FindSlot(uint64_t hash) const {
  if (slots_.empty()) return kNoSlot;
  for (size_t s = SlotOf(hash);; s = (s + 1) & mask_) {
    uint32_t n = slots_[s];
    if (n == kNil) return kNoSlot;
    if (nodes_[n].hash == hash) return s;
  }
}

uint8_t GhostTable::Find(uint64_t hash) const {
  size_t s = FindSlot(hash);
  return s == kNoSlot ? kAbsent : list_of_[slots_[s]];
}

uint32_t GhostTable::AllocNode() {
  if (free_ != kNil) {
    uint32_t n = free_;
    free_ = nodes_[n].next;
    return n;
  }
  nodes_.push_back(Node{});
  list_of_.push_back(kAbsent);
  return static_cast<uint32_t>(nodes_.size() - 1);
}

void GhostTable::Unlink(uint32_t n) {
  List& l = lists_[list_of_[n]];
  Node& node = nodes_[n];
  if (node.prev != kNil) {
    nodes_[node.prev].next = node.next;
  } else {
    l.head = node.next;
  }
  if (node.next != kNil) {
    nodes_[node.next].prev = node.prev;
  } else {
    l.tail = node.prev;
  }
  --l.size;
}

// Backward-shift deletion for linear probing: later members of the probe run move up into the
// hole when their home slot does not lie strictly between the hole and themselves.
void GhostTable::EraseSlot(size_t slot) {
  size_t hole = slot;
  for (size_t s = (hole + 1) & mask_;; s = (s + 1) & mask_) {
    uint32_t n = slots_[s];
    if (n == kNil) break;
    size_t home = SlotOf(nodes_[n].hash);
    // Move n into the hole unless home is cyclically in (hole, s].
    bool stays = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
    if (!stays) {
      slots_[hole] = n;
      hole = s;
    }
  }
  slots_[hole] = kNil;
}

void GhostTable::Grow() {
  size_t count = slots_.empty() ? kMinSlots : slots_.size() * 2;
  slots_.assign(count, kNil);
  mask_ = count - 1;
  for (const List& l : lists_) {
    for (uint32_t n = l.head; n != kNil; n = nodes_[n].next) {
      size_t s = SlotOf(nodes_[n].hash);
      while (slots_[s] != kNil) s = (s + 1) & mask_;
      slots_[s] = n;
    }
  }
}

void GhostTable::Append(uint8_t list, uint64_t hash) {
  assert(list < kMaxLists);
  assert(FindSlot(hash) == kNoSlot);
  if ((live_ + 1) * 2 > slots_.size()) Grow();
  uint32_t n = AllocNode();
  List& l = lists_[list];
  nodes_[n] = Node{hash, l.tail, kNil};
  list_of_[n] = list;
  if (l.tail != kNil) {
    nodes_[l.tail].next = n;
  } else {
    l.head = n;
  }
  l.tail = n;
  ++l.size;
  ++live_;
  size_t s = SlotOf(hash);
  while (slots_[s] != kNil) s = (s + 1) & mask_;
  slots_[s] = n;
}

void GhostTable::Free(size_t slot) {
  uint32_t n = slots_[slot];
  EraseSlot(slot);
  Unlink(n);
  list_of_[n] = kAbsent;
  nodes_[n].next = free_;
  free_ = n;
  --live_;
}

uint8_t GhostTable::Remove(uint64_t hash) {
  size_t s = FindSlot(hash);
  if (s == kNoSlot) return kAbsent;
  uint8_t list = list_of_[slots_[s]];
  Free(s);
  return list;
}

void GhostTable::PopFront(uint8_t list) {
  uint32_t n = lists_[list].head;
  if (n == kNil) return;
  size_t s = SlotOf(nodes_[n].hash);
  while (slots_[s] != n) s = (s + 1) & mask_;  // by node, so equal hashes cannot confuse it
  Free(s);
}

size_t GhostTable::MemoryBytes() const {
  return nodes_.capacity() * sizeof(Node) + list_of_.capacity() +
         slots_.capacity() * sizeof(uint32_t);
}

void GhostTable::Reset() {
  std::vector<Node>().swap(nodes_);
  std::vector<uint8_t>().swap(list_of_);
  std::vector<uint32_t>().swap(slots_);
  mask_ = 0;
  free_ = kNil;
  live_ = 0;
  lists_ = {};
}

}  // namespace cairn::eviction
