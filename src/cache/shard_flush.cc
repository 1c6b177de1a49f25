// Shard: the write-back flush (rounds, passes, settling). The rest of the shard is in shard.cc.
#include <algorithm>
#include <bit>

#include "cairn/common/hash.h"
#include "shard.h"

namespace cairn {

// ---- write-back flush ----
//
// A flush writes dirty keys with the shard lock RELEASED, so requests on the shard do not wait
// for the tier (protobuf encoding and a RocksDB write batch). CacheManager::FlushDirty runs it in
// rounds: StartRound moves each shard's queue into its round, sorted by key, and the round is
// written in passes over all shards. A pass takes from every shard its round keys up to one
// bound, so a pass is a contiguous stretch of the round's key order, written to the tier as one
// key-ordered sequence: RocksDB's memtable inserts then start near the previous key's position
// instead of searching the skip list, and the closer the keys the cheaper (a round cut into
// key ranges costs about two thirds of passes of keys spread over the whole key space, each
// sorted; bench/README.md, flush_order_bench). A key in the round is as good as queued: it may
// be stale (the pop looks it up), and a batch that fails goes back to the queue. Per shard:
//  1. flush_mu_ serialises the flushers of this shard (the FlushService round, writers under
//     backpressure, SetWriteMode): a batch is picked, written and settled before the next one is
//     picked, so at most one batch per shard is in flight and settling never races a flusher.
//     A pass holds the flush_mu_ of several shards. Once it has a batch in flight it only
//     try-locks the next shard's flush_mu_ and mu, and skips a busy shard until a later pass:
//     a writer may hold that shard's mu (a RENAME holds two, an eviction may run on any of
//     them) while it waits for one of the pass's flights to end (step 4), and a flight only
//     ends when the pass is written.
//  2. BeginFlush, under mu: pop up to `max` round keys and COPY each one's value, expiry and
//     version (or its delete) into the flusher's buffers (once mu is released an entry may be
//     overwritten in place, reallocated or freed), set flush_in_flight_, release mu. Entries
//     stay dirty and deletes stay pending while the batch is in flight: nothing is dropped.
//  3. No lock held: tier->Write(pass).
//  4. EndFlight: clear flush_in_flight_ and notify its waiters, for EVERY shard of the pass,
//     BEFORE taking any mu again. Every other tier write for this shard (write-through puts,
//     deletes and metadata, the dirty victim of an eviction, multi-key batches, the tier Clear
//     of FLUSHALL and snapshot restore) first waits for the flag with mu held
//     (WaitForFlushLocked), so it lands after the batch: a newer value of a key never lands
//     before an older one, and no batch lands after a Clear. Clearing the flags needs no lock,
//     so a waiter holding one or several shard locks cannot deadlock with the pass.
//  5. SettleFlush, under mu again. A flushed put makes its entry clean only if the entry is
//     still there, dirty, with the version written; a newer version (rewritten, EXPIRE, PERSIST
//     during the flight) stays dirty and is queued again. A flushed delete retires the pending
//     delete if it is still pending (a put since then removed it; a delete since then is what
//     was written). On a tier error nothing is settled: the popped keys go back in the queue,
//     all stays dirty.

namespace {
constexpr size_t kKeepBufferBytes = size_t{1} << 20;  // buffers above this are freed when idle

template <typename Buffer>
void TrimBuffer(Buffer& b) {
  if (b.capacity() * sizeof(typename Buffer::value_type) > kKeepBufferBytes) Buffer().swap(b);
}
}  // namespace

size_t Shard::StartRound(std::vector<RoundSample>* samples) {
  constexpr size_t kSamples = 64;  // per shard: enough to cut a round into even passes
  std::lock_guard flush_lock(flush_mu_);
  size_t added = 0;
  {
    std::lock_guard lock(mu);
    added = dirty_refs_.size();
    if (added != 0) {
      // The queue's keys join the round (what is left of an earlier round, if a flush was cut
      // short, stays in it): one copy of the arena, the refs rebased.
      const size_t base = round_arena_.size();
      round_arena_.append(dirty_arena_);
      for (const KeyRef& r : dirty_refs_) round_refs_.push_back({base + r.off, r.len});
      dirty_refs_.clear();
      dirty_arena_.clear();
      round_oldest_ms_ = OlderOf(round_oldest_ms_, queue_oldest_ms_);
      queue_oldest_ms_ = 0;
    }
  }
  // Sorted without mu: requests on the shard go on meanwhile (flush_mu_ keeps other flushers
  // out of the round).
  if (added != 0) {
    auto descending = [this](const KeyRef& x, const KeyRef& y) {
      return RoundKey(x) > RoundKey(y);
    };
    const auto mid = round_refs_.end() - static_cast<std::ptrdiff_t>(added);
    std::sort(mid, round_refs_.end(), descending);
    std::inplace_merge(round_refs_.begin(), mid, round_refs_.end(), descending);
  }
  // Evenly spaced samples, smallest key first (the refs are in descending order): sample k
  // stands for the keys between sample k-1 and itself.
  const size_t n = round_refs_.size();
  if (samples == nullptr) return n;
  const size_t count = std::min(n, kSamples);
  size_t prev = 0;  // keys covered by the samples so far
  for (size_t k = 1; k <= count; ++k) {
    const size_t upto = k * n / count;  // the sample is the upto-th smallest key
    samples->push_back({std::string(RoundKey(round_refs_[n - upto])), upto - prev});
    prev = upto;
  }
  return n;
}

Shard::FlushTake Shard::BeginFlush(size_t max, const std::string* bound, int64_t now_ms,
                                   std::vector<TierWrite>& out, bool wait) {
  FlushTake take;
  std::unique_lock flush_lock(flush_mu_, std::defer_lock);
  std::unique_lock lock(mu, std::defer_lock);
  if (wait) {
    flush_lock.lock();
    lock.lock();
  } else if (!flush_lock.try_lock() || !lock.try_lock()) {
    take.busy = true;  // the caller holds batches in flight: it must not wait (step 1 above)
    return take;
  }
  BackingTier* tier = persist_.tier.load(std::memory_order_acquire);
  if (tier == nullptr || round_refs_.empty()) return take;
  if (dirty_count_ == 0) {
    // Nothing dirty and no batch in flight (we hold flush_mu_): every round and queued key is
    // stale.
    round_refs_.clear();
    round_arena_.clear();
    dirty_refs_.clear();
    dirty_arena_.clear();
    TrimRoundAndQueueLocked();
    return take;
  }
  // The round's smallest keys, up to the bound.
  const size_t cap = std::min(std::max<size_t>(max, 1), round_refs_.size());
  size_t n = 0;
  while (n < cap &&
         (bound == nullptr || RoundKey(round_refs_[round_refs_.size() - 1 - n]) <= *bound)) {
    ++n;
  }
  take.left = round_refs_.size() - n;
  if (n == 0) return take;  // nothing up to the bound
  PopFlushBatchLocked(n);
  if (flush_batch_.empty()) {  // only stale keys were popped
    TrimRoundAndQueueLocked();
    return take;
  }
  flight_ms_ = now_ms;
  flush_in_flight_.store(true, std::memory_order_relaxed);  // published by the unlock
  take.tier = tier;
  lock.unlock();
  out.insert(out.end(), flush_batch_.begin(), flush_batch_.end());
  flush_lock.release();  // held until SettleFlush
  return take;
}

void Shard::TrimRoundAndQueueLocked() {
  if (dirty_refs_.empty()) {
    queue_oldest_ms_ = 0;
    TrimBuffer(dirty_refs_);
    TrimBuffer(dirty_arena_);
  }
  if (round_refs_.empty()) {
    round_oldest_ms_ = 0;
    TrimBuffer(round_refs_);
    TrimBuffer(round_arena_);
  }
}

size_t Shard::SeenSlot(std::string_view key, uint64_t hash) const {
  const size_t mask = flush_seen_.size() - 1;
  size_t slot = hash & mask;
  for (; flush_seen_[slot] != 0; slot = (slot + 1) & mask) {
    const FlushItem& it = flush_items_[flush_seen_[slot] - 1];
    if (it.hash == hash && FlushKey(it.key) == key) {
      break;
    }
  }
  return slot;
}

bool Shard::InFlightLocked(std::string_view key) const {
  // The batch's buffers are written under mu before the flight and read-only until it settles
  // under mu: a reader holding mu sees them whole.
  if (!flush_in_flight_.load(std::memory_order_acquire) || flush_seen_.empty()) return false;
  return flush_seen_[SeenSlot(key, HashKey(key))] != 0;
}

void Shard::EndFlight() {
  flush_in_flight_.store(false, std::memory_order_release);
  flush_in_flight_.notify_all();
}

size_t Shard::SettleFlush(bool ok) {
  std::unique_lock flush_lock(flush_mu_, std::adopt_lock);
  size_t written = 0;
  {
    std::lock_guard lock(mu);
    if (ok) {
      SettleFlushLocked();
      written = flush_batch_.size();
    } else {
      RequeuePoppedLocked();
    }
    TrimRoundAndQueueLocked();
  }
  TrimBuffer(flush_keys_);
  TrimBuffer(flush_refs_);
  TrimBuffer(flush_hashes_);
  TrimBuffer(flush_values_);
  TrimBuffer(flush_items_);
  TrimBuffer(flush_batch_);
  return written;
}

void Shard::PopFlushBatchLocked(size_t n) {
  // The round's n smallest keys, in ascending order, from the end of its refs.
  flush_keys_.clear();
  flush_refs_.clear();
  for (size_t i = 0; i < n; ++i) {
    const KeyRef& r = round_refs_[round_refs_.size() - 1 - i];
    flush_refs_.push_back({flush_keys_.size(), r.len});
    flush_keys_.append(round_arena_, r.off, r.len);
  }
  round_refs_.resize(round_refs_.size() - n);
  if (round_refs_.empty()) round_arena_.clear();

  flush_values_.clear();
  flush_items_.clear();
  flush_batch_.clear();
  // Coalescing: a key queued twice is written once. flush_seen_ is an open-addressing set of
  // the keys already in the batch (flush_items_ index + 1, by key hash), at most half full.
  flush_seen_.assign(std::bit_ceil(2 * n), 0);
  flush_hashes_.clear();
  for (size_t i = 0; i < flush_refs_.size(); ++i) flush_hashes_.push_back(HashKey(FlushKey(i)));
  auto hash_of = [this](size_t i) { return flush_hashes_[i]; };
  table_.ForEachPrefetched(flush_refs_.size(), hash_of, [&](size_t i) {
    const std::string_view k = FlushKey(i);
    const uint64_t h = flush_hashes_[i];
    const size_t slot = SeenSlot(k, h);
    if (flush_seen_[slot] != 0) return;  // already in the batch
    Entry* e = table_.Find(k, h);
    if (e != nullptr && e->dirty()) {
      flush_items_.push_back(
          {i, h, e->version(), flush_values_.size(), e->value_len(), e->expire_at_ms(), false});
      flush_values_.append(e->value());
    } else if (e != nullptr) {
      ErasePendingDeleteLocked(k);  // superseded by a write-through of a newer value
      return;
    } else if (HasPendingDeleteLocked(k)) {
      flush_items_.push_back({i, h, 0, 0, 0, 0, true});
    } else {
      return;  // stale: flushed, or deleted clean, since it was queued
    }
    flush_seen_[slot] = static_cast<uint32_t>(flush_items_.size());
  });
  // Views into the buffers, taken once they no longer grow.
  for (const FlushItem& it : flush_items_) {
    const std::string_view value =
        it.is_delete ? std::string_view()
                     : std::string_view(flush_values_.data() + it.value_off, it.value_len);
    flush_batch_.push_back({FlushKey(it.key), value, it.expire_at_ms, it.version, it.is_delete});
  }
}

void Shard::SettleFlushLocked() {
  // What SetDirtyLocked(*e, false) does per entry, with the shared counters updated once.
  int64_t cleaned = 0;
  int64_t cleaned_bytes = 0;
  auto hash_of = [this](size_t i) { return flush_items_[i].hash; };
  table_.ForEachPrefetched(flush_items_.size(), hash_of, [&](size_t i) {
    const FlushItem& it = flush_items_[i];
    const std::string_view k = FlushKey(it.key);
    if (it.is_delete) {
      ErasePendingDeleteLocked(k);
      return;
    }
    Entry* e = table_.Find(k, it.hash);
    if (e == nullptr || !e->dirty()) return;  // deleted, evicted or written through since
    if (e->version() == it.version) {
      e->set_dirty(false);
      ++cleaned;
      cleaned_bytes += static_cast<int64_t>(e->charge());
    } else {
      // Changed during the flight: stays dirty and must be queued (a write, EXPIRE or PERSIST
      // of a dirty entry does not queue it again), as written no earlier than the flight.
      queue_oldest_ms_ = OlderOf(queue_oldest_ms_, flight_ms_);
      dirty_refs_.push_back({dirty_arena_.size(), k.size()});
      dirty_arena_.append(k);
    }
  });
  if (cleaned != 0) {
    AdjustDirtyCount(-cleaned);
    persist_.dirty_bytes.fetch_sub(cleaned_bytes, std::memory_order_relaxed);
  }
}

void Shard::RequeuePoppedLocked() {
  queue_oldest_ms_ = OlderOf(queue_oldest_ms_, round_oldest_ms_);  // they were in the round
  const size_t base = dirty_arena_.size();
  dirty_arena_.append(flush_keys_);
  for (const KeyRef& r : flush_refs_) dirty_refs_.push_back({base + r.off, r.len});
}

}  // namespace cairn
