#include "hash_index.h"

#include <new>
#include <utility>

#include "cairn/common/hash.h"
#include "cairn/eviction/lfu_counter.h"

namespace cairn {
namespace {

using Bucket = HashIndex::Bucket;

uint64_t Rev(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

// Slots of `b` that hold entries.
uint8_t Used(const Bucket& b) { return static_cast<uint8_t>(b.presence() & b.usable()); }

uintptr_t Raw(Entry* e) {
  return reinterpret_cast<uintptr_t>(e) | (e->has_expiry() ? HashIndex::kExpiring : 0);
}

void Put(Bucket& b, int slot, uintptr_t raw, uint8_t tag) {
  b.slots[slot] = raw;
  b.tags[slot] = tag;
  b.meta = static_cast<uint8_t>(b.meta | (1u << slot));
}

// Calls fn(bucket, slot) for every used slot of the chain that starts at `b`.
template <typename Fn>
void ForChainSlots(const Bucket* b, Fn&& fn) {
  for (;;) {
    for (uint32_t m = Used(*b); m != 0; m &= m - 1) fn(*b, __builtin_ctz(m));
    if (!b->chained()) return;
    b = b->child();
  }
}

// Visits every entry of the chain that starts at `b`.
template <typename Fn>
void ForChain(const Bucket* b, Fn&& fn) {
  ForChainSlots(b, [&](const Bucket& bucket, int slot) { fn(bucket.entry(slot)); });
}

}  // namespace

std::pair<Bucket*, int> HashIndex::Locate(Bucket* home, const Entry* e, uint8_t tag) {
  for (Bucket* b = home;; b = b->child()) {
    for (uint32_t m = Candidates(*b, tag); m != 0; m &= m - 1) {
      if (b->entry(__builtin_ctz(m)) == e) return {b, __builtin_ctz(m)};
    }
  }
}

HashIndex::~HashIndex() { FreeChildren(buckets_); }

void HashIndex::Insert(Entry* e, uint64_t hash) {
  if (size_ + 1 > buckets_.size() * kMaxLoad) Resize(buckets_.size() * 2);
  Place(buckets_, Raw(e), hash, children_);
  ++size_;
}

void HashIndex::Place(std::vector<Bucket>& table, uintptr_t e, uint64_t hash, size_t& children) {
  const uint8_t tag = Tag(hash);
  Bucket* b = &table[hash & (table.size() - 1)];
  while (b->chained()) {
    if (uint8_t free = static_cast<uint8_t>(b->usable() & ~b->presence()); free != 0) {
      Put(*b, __builtin_ctz(free), e, tag);
      return;
    }
    b = b->child();
  }
  if (uint8_t free = static_cast<uint8_t>(kPresence & ~b->presence()); free != 0) {
    Put(*b, __builtin_ctz(free), e, tag);
    return;
  }
  // Full and last: slot 6 moves to a new child, which takes its place and the new entry.
  auto* child = new Bucket();
  ++children;
  Put(*child, 0, b->slots[kSlots - 1], b->tags[kSlots - 1]);
  Put(*child, 1, e, tag);
  b->slots[kSlots - 1] = reinterpret_cast<uintptr_t>(child);
  b->tags[kSlots - 1] = 0;
  b->meta = static_cast<uint8_t>((b->meta & ~(1u << (kSlots - 1))) | kChained);
}

void HashIndex::Remove(Entry* e, uint64_t hash) {
  const uint8_t tag = Tag(hash);
  Bucket* const home = &buckets_[hash & mask()];
  auto [b, slot] = Locate(home, e, tag);
  b->meta = static_cast<uint8_t>(b->meta & ~(1u << slot));
  b->slots[slot] = 0;
  // Keep every bucket but the chain's last full: fill the hole from the last bucket, and free
  // the last bucket when it empties (its parent gets slot 6 back).
  Bucket* parent = nullptr;
  Bucket* last = home;
  while (last->chained()) {
    parent = last;
    last = last->child();
  }
  if (last != b) {
    const int from = __builtin_ctz(Used(*last));  // a chain's last bucket is never empty
    Put(*b, slot, last->slots[from], last->tags[from]);
    last->meta = static_cast<uint8_t>(last->meta & ~(1u << from));
    last->slots[from] = 0;
  }
  if (parent != nullptr && Used(*last) == 0) {
    delete last;
    --children_;
    parent->slots[kSlots - 1] = 0;
    parent->meta = static_cast<uint8_t>(parent->meta & ~kChained);
  }
  --size_;
  if (buckets_.size() > kMinBuckets && size_ < buckets_.size()) {
    try {
      Resize(buckets_.size() / 2);
    } catch (const std::bad_alloc&) {  // shrinking is optional: keep the larger table
    }
  }
}

void HashIndex::Replace(Entry* old, Entry* fresh, uint64_t hash) {
  auto [b, slot] = Locate(&buckets_[hash & mask()], old, Tag(hash));
  b->slots[slot] = reinterpret_cast<uintptr_t>(fresh) | (b->slots[slot] & kExpiring);
}

void HashIndex::SetExpiring(Entry* e, uint64_t hash, bool expiring) {
  auto [b, slot] = Locate(&buckets_[hash & mask()], e, Tag(hash));
  b->slots[slot] = reinterpret_cast<uintptr_t>(e) | (expiring ? kExpiring : 0);
}

size_t HashIndex::ExpiringStep(size_t home, FunctionRef<void(Entry*)> fn) const {
  const size_t m = mask();
  ForChainSlots(&buckets_[home & m], [&](const Bucket& b, int slot) {
    if (b.expiring(slot)) fn(b.entry(slot));
  });
  return ((home & m) + 1) & m;
}

void HashIndex::Resize(size_t buckets) {
  // Built aside and swapped in, so a failed allocation leaves the table as it was.
  std::vector<Bucket> fresh(buckets);
  size_t children = 0;
  try {
    for (const Bucket& home : buckets_) {
      ForChainSlots(&home, [&](const Bucket& b, int slot) {
        Place(fresh, b.slots[slot], HashKey(b.entry(slot)->key()), children);
      });
    }
  } catch (...) {
    FreeChildren(fresh);
    throw;
  }
  FreeChildren(buckets_);
  buckets_.swap(fresh);
  children_ = children;
}

void HashIndex::FreeChildren(std::vector<Bucket>& table) {
  for (Bucket& home : table) {
    for (Bucket* b = home.chained() ? home.child() : nullptr; b != nullptr;) {
      Bucket* next = b->chained() ? b->child() : nullptr;
      delete b;
      b = next;
    }
    home = Bucket();
  }
}

uint64_t HashIndex::ScanStep(uint64_t cursor, FunctionRef<void(Entry*)> fn) const {
  const uint64_t m = mask();
  ForChain(&buckets_[cursor & m], fn);
  // Redis dictScan: increment the reversed cursor over the masked bits.
  cursor |= ~m;
  cursor = Rev(cursor);
  ++cursor;
  return Rev(cursor);
}

Entry* HashIndex::Random(uint64_t& rng) const {
  if (size_ == 0) return nullptr;
  const uint64_t m = mask();
  size_t start = static_cast<size_t>(lfu::NextUnit(rng) * static_cast<double>(buckets_.size()));
  for (size_t i = 0; i <= m; ++i) {
    const Bucket& home = buckets_[(start + i) & m];
    if (Used(home) == 0) continue;  // a chained home bucket is full
    size_t len = 0;
    ForChain(&home, [&](Entry*) { ++len; });
    size_t pick = static_cast<size_t>(lfu::NextUnit(rng) * static_cast<double>(len));
    Entry* out = nullptr;
    ForChain(&home, [&](Entry* e) {
      if (pick-- == 0) out = e;
    });
    return out;
  }
  return nullptr;
}

void HashIndex::ForEach(FunctionRef<void(Entry*)> fn) const {
  for (const Bucket& home : buckets_) ForChain(&home, fn);
}

void HashIndex::Clear(FunctionRef<void(Entry*)> fn) {
  for (const Bucket& home : buckets_) ForChain(&home, fn);
  FreeChildren(buckets_);
  std::vector<Bucket>(kMinBuckets).swap(buckets_);
  size_ = 0;
  children_ = 0;
}

}  // namespace cairn
