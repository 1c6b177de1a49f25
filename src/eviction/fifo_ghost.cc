#include "fifo_ghost.h"

#include <algorithm>
#include <bit>
#include <new>

namespace cairn::eviction {

void FifoGhost::Grow(size_t limit) {
  size_t buckets = std::bit_ceil(std::max(kMinBuckets, (2 * limit + kWays - 1) / kWays));
  table_.reset(new (std::align_val_t{64}) Bucket[buckets]());
  buckets_ = buckets;
}

void FifoGhost::Push(uint64_t hash, size_t limit) {
  if (2 * limit > buckets_ * kWays || buckets_ == 0) {
    Grow(limit);
    staged_n_ = 0;  // a new table starts empty
  }
  const uint32_t seq = next_seq_++;
  horizon_ = Horizon(horizon_, next_seq_, limit);
  for (int i = 0; i < staged_n_; ++i) {  // one ghost per key: a re-push replaces a staged one
    if (staged_[i].hash == hash) {
      staged_[i].seq = seq;
      return;
    }
  }
  staged_[staged_n_++] = Staged{hash, seq};
  if (staged_n_ == kStage) Flush();
}

void FifoGhost::Flush() {
  for (int i = 0; i < staged_n_; ++i) __builtin_prefetch(&BucketOf(staged_[i].hash), 1);
  for (int i = 0; i < staged_n_; ++i) Write(staged_[i].hash, staged_[i].seq);
  staged_n_ = 0;
}

void FifoGhost::Write(uint64_t hash, uint32_t seq) {
  if (!NotBefore(seq, horizon_)) return;  // already aged out while staged
  Bucket& b = BucketOf(hash);
  const uint32_t fp = Fingerprint(hash);
  // Preference: the key's own slot (one ghost per key), else a free (empty or expired) slot,
  // else the bucket's oldest ghost.
  Slot* free_slot = nullptr;
  Slot* oldest = &b.slot[0];
  uint32_t oldest_age = 0;
  Slot* target = nullptr;
  for (Slot& s : b.slot) {
    if (s.fingerprint == fp) {
      target = &s;
      break;
    }
    if (!Live(s, horizon_)) {
      if (free_slot == nullptr) free_slot = &s;
      continue;
    }
    uint32_t age = seq - s.seq;
    if (age > oldest_age) {
      oldest_age = age;
      oldest = &s;
    }
  }
  if (target == nullptr) target = free_slot != nullptr ? free_slot : oldest;
  *target = Slot{fp, seq};
}

bool FifoGhost::Take(uint64_t hash, size_t limit) {
  if (buckets_ == 0) return false;
  horizon_ = Horizon(horizon_, next_seq_, limit);
  bool staged_live = false;
  for (int i = 0; i < staged_n_; ++i) {
    if (staged_[i].hash == hash) {
      staged_live = NotBefore(staged_[i].seq, horizon_);
      staged_[i] = staged_[--staged_n_];
      break;
    }
  }
  // The table may still hold an older push of the same key: consume it too.
  Bucket& b = BucketOf(hash);
  const uint32_t fp = Fingerprint(hash);
  for (Slot& s : b.slot) {
    if (s.fingerprint == fp) {
      bool live = Live(s, horizon_);
      s.fingerprint = 0;
      return live || staged_live;
    }
  }
  return staged_live;
}

size_t FifoGhost::CountLive(size_t limit) const {
  const uint32_t horizon = Horizon(horizon_, next_seq_, limit);
  size_t n = 0;
  for (int i = 0; i < staged_n_; ++i) n += NotBefore(staged_[i].seq, horizon) ? 1 : 0;
  for (size_t i = 0; i < buckets_; ++i) {
    for (const Slot& s : table_[i].slot) n += Live(s, horizon) ? 1 : 0;
  }
  return n;
}

void FifoGhost::Reset() {
  table_.reset();
  buckets_ = 0;
  next_seq_ = 1;
  horizon_ = 1;
  staged_n_ = 0;
}

}  // namespace cairn::eviction
