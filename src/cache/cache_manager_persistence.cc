// CacheManager: the persistence side: write-through and write-back through the backing tier,
// backpressure, read-through settings and the write-back flush passes.
#include "cairn/cache/cache_manager.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "cache_manager_impl.h"
#include "cairn/common/glob.h"
#include "cairn/common/hash.h"
#include "cairn/events/event_bus.h"
#include "cairn/eviction/lfu_counter.h"
#include "cairn/eviction/registry.h"
#include "shard.h"

namespace cairn {

// ---------------- persistence ----------------

OpStatus CacheManager::Backpressure() {
  PersistState& p = impl_->persist;
  const uint64_t limit = impl_->bp_limit.load(std::memory_order_relaxed);
  const uint64_t bytes = impl_->bp_bytes.load(std::memory_order_relaxed);
  if ((limit == 0 && bytes == 0) || p.Mode() != WriteMode::kWriteBack) return OpStatus::kOk;
  // Inside EXEC or a script: never throttled halfway (a refusal would leave the transaction
  // half applied, and helping the flusher would flush between two of its commands). Its writes
  // reach the tier together when it ends (PersistTogether).
  if (gate_.HeldExclusivelyByThisThread()) return OpStatus::kOk;
  auto under = [&] {
    return (limit == 0 ||
            p.dirty_keys.load(std::memory_order_relaxed) < static_cast<int64_t>(limit)) &&
           (bytes == 0 ||
            p.dirty_bytes.load(std::memory_order_relaxed) < static_cast<int64_t>(bytes));
  };
  if (under()) return OpStatus::kOk;
  if (!impl_->bp_reject.load(std::memory_order_relaxed)) {
    // Block: the writer helps the flusher until the backlog is under the limit, bounded in time.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(impl_->bp_block_ms.load());
    while (std::chrono::steady_clock::now() < deadline) {
      const FlushResult r = FlushDirty(1024);
      if (under()) return OpStatus::kOk;
      if (!r.status.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  impl_->bp_rejections.fetch_add(1, std::memory_order_relaxed);
  return OpStatus::kBackpressure;
}

OpStatus CacheManager::WriteTier(std::span<Shard* const> locked,
                                 std::span<const TierWrite> writes) {
  BackingTier* tier = impl_->persist.tier.load(std::memory_order_acquire);
  if (tier == nullptr) return OpStatus::kOk;
  for (Shard* s : locked) s->WaitForFlushLocked();  // land after any batch in flight
  Status st = tier->Write(writes);
  if (st.ok()) return OpStatus::kOk;
  impl_->persist.RecordError(std::move(st));
  return OpStatus::kIoError;
}

Status CacheManager::tier_error() const { return impl_->persist.LastError(); }

void CacheManager::SetBackingTier(BackingTier* tier) {
  impl_->persist.tier.store(tier, std::memory_order_release);
  // A flush writes with no shard lock held: wait out any that still uses the previous tier.
  for (auto& sp : shards_) sp->WaitForFlushIdle();
}

Status CacheManager::SetWriteMode(WriteMode mode) {
  // The gate before mode_mu (the lock order): the flush below collects under it.
  GateGuard gate(&gate_, GateGuard::Mode::kShared);
  std::lock_guard lock(impl_->mode_mu);
  const WriteMode old = impl_->persist.Mode();
  if (old == mode) return Status();
  if (mode != WriteMode::kNone && impl_->persist.tier.load() == nullptr) {
    return Status::IoError("no persistent store is configured");
  }
  // Switch first, then flush: a write that still saw write-back holds its shard lock while it
  // marks the entry dirty, and the flush takes every shard lock after the switch, so it sees it.
  impl_->persist.mode.store(mode, std::memory_order_release);
  if (old == WriteMode::kWriteBack) {
    FlushResult r = FlushDirty();
    if (!r.status.ok() || impl_->persist.dirty_keys.load() > 0) {
      impl_->persist.mode.store(old, std::memory_order_release);
      return r.status.ok() ? Status::IoError("dirty keys remain") : std::move(r.status);
    }
  }
  return Status();
}

WriteMode CacheManager::write_mode() const { return impl_->persist.Mode(); }

void CacheManager::SetReadThrough(bool on) {
  impl_->persist.read_through.store(on, std::memory_order_relaxed);
}
bool CacheManager::read_through() const {
  return impl_->persist.read_through.load(std::memory_order_relaxed);
}

void CacheManager::SetWriteBackLimits(const WriteBackLimits& limits) {
  impl_->bp_limit.store(limits.max_keys, std::memory_order_relaxed);
  impl_->bp_bytes.store(limits.max_bytes, std::memory_order_relaxed);
  impl_->bp_reject.store(limits.reject, std::memory_order_relaxed);
  impl_->bp_block_ms.store(limits.block_ms, std::memory_order_relaxed);
}

namespace {
// The shards whose batches are in flight in one flush pass. Finish (or the destructor, should
// the pass throw) ends every flight before settling any shard: see the protocol in shard.cc.
class FlushPass {
 public:
  FlushPass() = default;
  FlushPass(const FlushPass&) = delete;
  FlushPass& operator=(const FlushPass&) = delete;
  ~FlushPass() { Finish(false); }

  void Add(Shard* s) { shards_.push_back(s); }
  bool empty() const { return shards_.empty(); }
  size_t Finish(bool ok) {  // returns the keys written
    for (Shard* s : shards_) s->EndFlight();
    size_t written = 0;
    for (Shard* s : shards_) written += s->SettleFlush(ok);
    shards_.clear();
    return written;
  }

 private:
  std::vector<Shard*> shards_;
};

// Where to cut a round into passes of about `pass_keys` keys: the largest key of each pass but
// the last, ascending, from the shards' samples of their rounds.
std::vector<std::string> PassBounds(std::vector<Shard::RoundSample>& samples, size_t pass_keys) {
  std::sort(samples.begin(), samples.end(),
            [](const Shard::RoundSample& a, const Shard::RoundSample& b) { return a.key < b.key; });
  std::vector<std::string> bounds;
  size_t in_pass = 0;
  for (Shard::RoundSample& s : samples) {
    in_pass += s.weight;
    if (in_pass >= pass_keys) {
      bounds.push_back(std::move(s.key));
      in_pass = 0;
    }
  }
  return bounds;
}

// Merges the sorted runs of `v` into one run in key order: `edges` holds the start of each run
// and then v.size(). `scratch` must have v.size() capacity (no allocation while a pass is in
// flight: nothing here throws).
void MergeRuns(std::vector<TierWrite>& v, std::vector<size_t>& edges,
               std::vector<TierWrite>& scratch) {
  auto by_key = [](const TierWrite& a, const TierWrite& b) { return a.key < b.key; };
  scratch.resize(v.size());
  while (edges.size() > 2) {  // pairs of neighbouring runs, until one is left
    size_t w = 0;
    for (size_t r = 0; r + 1 < edges.size(); r += 2) {
      const auto first = v.begin() + static_cast<std::ptrdiff_t>(edges[r]);
      const auto mid = v.begin() + static_cast<std::ptrdiff_t>(edges[r + 1]);
      const auto last =
          r + 2 < edges.size() ? v.begin() + static_cast<std::ptrdiff_t>(edges[r + 2]) : mid;
      std::merge(first, mid, mid, last, scratch.begin() + (first - v.begin()), by_key);
      edges[w++] = edges[r];
    }
    edges[w++] = v.size();
    edges.resize(w);
    v.swap(scratch);
  }
}
}  // namespace

CacheManager::FlushResult CacheManager::FlushDirty(size_t max_keys, bool drain) {
  // A round flushes what was queued when it started. Without `drain` (the timer's rounds),
  // keys dirtied meanwhile wait for the next round, where they coalesce with their later
  // writes: under a steady write load a round that chased the queue would never end, and
  // would write nearly every SET. With `drain`, rounds repeat until the queues are empty.
  //
  // A round is written in passes of about kPassKeys keys, each a stretch of the round's key
  // order (see shard.cc). A pass takes at most per_shard keys from each shard, twice its share:
  // that bounds how long a shard lock is held to copy them, and how long a write that must land
  // after the batch (write-through, a dirty eviction of a key in it) waits.
  constexpr size_t kPassKeys = 16384;
  const size_t per_shard = 2 * ((kPassKeys + shards_.size() - 1) / shards_.size());
  std::vector<size_t> left(shards_.size());
  std::vector<Shard::RoundSample> samples;
  std::vector<TierWrite> batch, scratch;
  std::vector<size_t> edges;  // where each shard's batch starts in `batch`
  // Neither BeginFlush's appends nor the merge reallocate (throw) with a pass in flight.
  batch.reserve(std::min(per_shard * shards_.size(), max_keys));
  scratch.reserve(batch.capacity());
  edges.reserve(shards_.size() + 1);
  FlushResult result;
  size_t& written = result.written;
  while (written < max_keys) {
    // A flush of less than a pass (a writer under backpressure helping) has no use for bounds.
    samples.clear();
    const bool cut = max_keys - written > kPassKeys;
    size_t round = 0;
    {
      GateGuard gate(&gate_, GateGuard::Mode::kShared);  // see PersistTogether
      if (gate.busy()) break;
      for (size_t i = 0; i < shards_.size(); ++i) {
        left[i] = shards_[i]->StartRound(cut ? &samples : nullptr);
        round += left[i];
      }
    }
    if (round == 0) break;
    const std::vector<std::string> bounds = PassBounds(samples, kPassKeys);
    // Pass p takes keys up to bounds[p]; past the last bound, the rest. A shard skipped as busy
    // or cut at per_shard has its keys taken by a later pass (its bound is higher).
    for (size_t p = 0; round > 0 && written < max_keys; ++p) {
      const std::string* bound = p < bounds.size() ? &bounds[p] : nullptr;
      batch.clear();
      edges.clear();
      FlushPass pass;
      BackingTier* tier = nullptr;
      const int64_t now_ms = clock_.NowMs();
      // A pass's values are copied with the gate held shared: never between two commands of an
      // EXEC or inside a script, whose writes reach the tier together (PersistTogether).
      {
        GateGuard gate(&gate_, GateGuard::Mode::kShared);
        if (gate.busy()) return result;  // a script past busy-reply-threshold holds it
        for (size_t i = 0; i < shards_.size() && written + batch.size() < max_keys; ++i) {
          if (left[i] == 0) continue;
          const size_t room = max_keys - written - batch.size();
          const size_t start = batch.size();
          // Once the pass has a batch in flight it must not wait for a shard (see shard.cc).
          const Shard::FlushTake take =
              shards_[i]->BeginFlush(std::min(per_shard, room), bound, now_ms, batch, pass.empty());
          if (take.busy) continue;              // a later pass
          round = round - left[i] + take.left;  // a concurrent StartRound may have grown it
          left[i] = take.left;
          if (take.tier == nullptr) continue;
          edges.push_back(start);
          pass.Add(shards_[i].get());
          if (tier == nullptr) tier = take.tier;
        }
      }                            // the gate is released before the tier write
      if (pass.empty()) continue;  // nothing up to the bound, or only stale keys
      // Each shard's batch is in key order; the pass interleaves them.
      edges.push_back(batch.size());
      MergeRuns(batch, edges, scratch);
      Status st;
      try {
        st = tier->Write(batch);
      } catch (const std::exception& ex) {  // e.g. bad_alloc: the pass must still be settled
        st = Status::IoError(std::string("tier write failed: ") + ex.what());
      }
      if (!st.ok()) {
        impl_->persist.RecordError(st);
        pass.Finish(false);
        result.status = std::move(st);
        return result;
      }
      written += pass.Finish(true);
    }
    if (!drain) break;
  }
  return result;
}

OpStatus CacheManager::PersistTogether(std::span<const std::string_view> keys) {
  if (keys.empty() || impl_->persist.Mode() != WriteMode::kWriteBack ||
      impl_->persist.tier.load(std::memory_order_acquire) == nullptr) {
    return OpStatus::kOk;
  }
  std::vector<std::string_view> unique(keys.begin(), keys.end());
  std::sort(unique.begin(), unique.end());  // key order, as the flush writes
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  std::vector<uint64_t> hashes;
  std::vector<Shard*> locked;
  hashes.reserve(unique.size());
  for (std::string_view k : unique) {
    hashes.push_back(HashKey(k));
    locked.push_back(&ShardFor(hashes.back()));
  }
  std::sort(locked.begin(), locked.end(),
            [](const Shard* a, const Shard* b) { return a->index() < b->index(); });
  locked.erase(std::unique(locked.begin(), locked.end()), locked.end());
  cache_internal::ShardLocks locks(locked);
  if (impl_->persist.Mode() != WriteMode::kWriteBack) return OpStatus::kOk;
  std::vector<TierWrite> batch;
  for (size_t i = 0; i < unique.size(); ++i) {
    Shard& s = ShardFor(hashes[i]);
    const Entry* e = s.table().Find(unique[i], hashes[i]);
    if (e != nullptr && e->dirty()) {
      batch.push_back({unique[i], e->value(), e->expire_at_ms(), e->version(), false});
    } else if (e == nullptr && s.HasPendingDeleteLocked(unique[i])) {
      batch.push_back({unique[i], {}, 0, 0, true});
    }
  }
  if (batch.empty()) return OpStatus::kOk;
  // After any flush batch of these shards in flight (an older value of one of these keys may be
  // in it); the error, if any, is recorded and the keys stay dirty for the flusher.
  if (OpStatus st = WriteTier(locked, batch); st != OpStatus::kOk) return st;
  for (const TierWrite& w : batch) {
    const uint64_t h = HashKey(w.key);
    ShardFor(h).SettleWrittenLocked(w.key, h, w.version, w.is_delete);
  }
  return OpStatus::kOk;
}

uint64_t CacheManager::dirty_keys() const {
  return static_cast<uint64_t>(std::max<int64_t>(0, impl_->persist.dirty_keys.load()));
}

PersistStats CacheManager::persist_stats() const {
  PersistStats st;
  const PersistState& p = impl_->persist;
  st.dirty_keys = static_cast<uint64_t>(std::max<int64_t>(0, p.dirty_keys.load()));
  st.dirty_bytes = static_cast<uint64_t>(std::max<int64_t>(0, p.dirty_bytes.load()));
  st.tier_errors = p.tier_errors.load(std::memory_order_relaxed);
  st.read_through_hits = impl_->tier_hits.load(std::memory_order_relaxed);
  st.read_through_misses = impl_->tier_misses.load(std::memory_order_relaxed);
  st.backpressure_rejections = impl_->bp_rejections.load(std::memory_order_relaxed);
  const int64_t now = clock_.NowMs();
  for (const auto& sp : shards_) {
    std::lock_guard lock(sp->mu);
    st.dirty_queue += sp->dirty_queue_size();
    if (sp->oldest_dirty_ms() != 0) {
      st.oldest_dirty_age_ms = std::max(st.oldest_dirty_age_ms, now - sp->oldest_dirty_ms());
    }
  }
  return st;
}

OpStatus CacheManager::LoadClean(std::string_view key, std::string_view value,
                                 int64_t expire_at_ms) {
  const uint64_t h = HashKey(key);
  Shard& s = ShardFor(h);
  EventBatch ev(bus_);
  std::lock_guard lock(s.mu);
  const int64_t now = clock_.NowMs();
  if (expire_at_ms != 0 && expire_at_ms <= now) return OpStatus::kNotApplied;
  if (s.FindLocked(key, h, now, ev) != nullptr) return OpStatus::kNotApplied;
  const int64_t db = static_cast<int64_t>(Entry::Charge(key.size(), value.size()));
  if (impl_->budget.Over(1, db) != EvictionCause::kNone) return OpStatus::kOutOfMemory;
  impl_->budget.Add(1, db);
  s.WriteLocked(key, h, value, nullptr, expire_at_ms, now);
  --s.counters().sets;
  return OpStatus::kOk;
}

}  // namespace cairn
