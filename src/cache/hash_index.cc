#include "hash_index.h"

#include "cairn/common/hash.h"
#include "cairn/eviction/lfu_counter.h"

namespace cairn {
namespace {

uint64_t Rev(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

}  // namespace

void HashIndex::Insert(Entry* e, uint64_t hash) {
  Entry*& head = buckets_[hash & mask()];
  e->hnext = head;
  head = e;
  if (++size_ > buckets_.size()) Resize(buckets_.size() * 2);
}

void HashIndex::Remove(Entry* e, uint64_t hash) {
  Entry** link = &buckets_[hash & mask()];
  while (*link != e) link = &(*link)->hnext;
  *link = e->hnext;
  e->hnext = nullptr;
  --size_;
  if (buckets_.size() > kMinBuckets && size_ * 8 < buckets_.size()) Resize(buckets_.size() / 2);
}

void HashIndex::Replace(Entry* old, Entry* fresh, uint64_t hash) {
  Entry** link = &buckets_[hash & mask()];
  while (*link != old) link = &(*link)->hnext;
  fresh->hnext = old->hnext;
  *link = fresh;
  old->hnext = nullptr;
}

void HashIndex::Resize(size_t buckets) {
  std::vector<Entry*> fresh(buckets, nullptr);
  const uint64_t m = buckets - 1;
  for (Entry* head : buckets_) {
    while (head != nullptr) {
      Entry* next = head->hnext;
      Entry*& slot = fresh[HashKey(head->key()) & m];
      head->hnext = slot;
      slot = head;
      head = next;
    }
  }
  buckets_.swap(fresh);
}

uint64_t HashIndex::ScanStep(uint64_t cursor, FunctionRef<void(Entry*)> fn) const {
  const uint64_t m = mask();
  for (Entry* e = buckets_[cursor & m]; e != nullptr; e = e->hnext) fn(e);
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
    Entry* head = buckets_[(start + i) & m];
    if (head == nullptr) continue;
    size_t len = 0;
    for (Entry* e = head; e != nullptr; e = e->hnext) ++len;
    size_t pick = static_cast<size_t>(lfu::NextUnit(rng) * static_cast<double>(len));
    while (pick-- > 0) head = head->hnext;
    return head;
  }
  return nullptr;
}

void HashIndex::ForEach(FunctionRef<void(Entry*)> fn) const {
  for (Entry* head : buckets_) {
    for (Entry* e = head; e != nullptr;) {
      Entry* next = e->hnext;
      fn(e);
      e = next;
    }
  }
}

void HashIndex::Clear(FunctionRef<void(Entry*)> fn) {
  std::vector<Entry*> old(kMinBuckets, nullptr);
  old.swap(buckets_);
  size_ = 0;
  for (Entry* head : old) {
    while (head != nullptr) {
      Entry* next = head->hnext;
      fn(head);
      head = next;
    }
  }
}

}  // namespace cairn
