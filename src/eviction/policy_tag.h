// Entry::policy_tag layout shared by the policies of this module.
//
// Bit 7 (kOwnerBit) is reserved for composite policies (adaptive.h): while it migrates entries
// from one inner policy to another, it records in that bit which inner policy owns an entry.
// A policy that can be used inside a composite (sieve, slru, s3fifo, arc, tinylfu; lru and fifo
// do not use the tag at all) reads and writes only bits 0-6, through these helpers. lfu needs
// all 8 bits (its bucket index) and cannot be composed.
#pragma once

#include <cstdint>

#include "cairn/cache/entry.h"

namespace cairn::eviction {

inline constexpr uint8_t kOwnerBit = 0x80;
inline constexpr uint8_t kTagMask = 0x7f;

inline uint8_t Tag(const Entry& e) { return e.policy_tag & kTagMask; }
inline void SetTag(Entry& e, uint8_t tag) {
  e.policy_tag = static_cast<uint8_t>((e.policy_tag & kOwnerBit) | (tag & kTagMask));
}
inline bool OwnerBit(const Entry& e) { return (e.policy_tag & kOwnerBit) != 0; }
inline void SetOwnerBit(Entry& e, bool on) {
  e.policy_tag = static_cast<uint8_t>(on ? (e.policy_tag | kOwnerBit) : (e.policy_tag & kTagMask));
}

}  // namespace cairn::eviction
