// Shard: one lock, one index, one eviction policy instance, its own accounting and counters.
// Every method whose name ends in Locked must be called with `mu` held. The shard never takes
// another shard's lock; cross-shard work (global eviction, multi-key writes) is orchestrated by
// CacheManager in ascending shard order.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cairn/cache/backing_tier.h"
#include "cairn/cache/entry.h"
#include "cairn/cache/options.h"
#include "cairn/cache/watch_ticket.h"
#include "cairn/events/event.h"
#include "cairn/eviction/policy.h"
#include "hash_index.h"

namespace cairn {

class EventBus;

// Events raised under a shard lock, published after it is released. Only events some subscriber
// wants are built (no allocation otherwise).
class EventBatch {
 public:
  explicit EventBatch(EventBus* bus) : bus_(bus) {}
  ~EventBatch() { Publish(); }
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;

  bool Wants(EventType t) const;
  void Add(EventType t, std::string_view key, int64_t now_ms,
           EvictionCause cause = EvictionCause::kNone, std::string_view detail = {});
  void Publish();

 private:
  EventBus* bus_;
  std::vector<Event> events_;
};

// Plain counters, written under the shard lock, read under it by Stats().
struct ShardCounters {
  uint64_t hits = 0, misses = 0, sets = 0, deletes = 0;
  uint64_t evictions_size = 0, evictions_items = 0;
  uint64_t expirations = 0, active_expirations = 0, oom_rejections = 0;
};

// Global accounting shared by all shards (relaxed atomics; see CacheManager for the protocol).
struct Budget {
  std::atomic<int64_t> items{0};
  std::atomic<int64_t> bytes{0};
  // Eviction-policy metadata (ghost lists, sketches, shadow caches: EvictionPolicy::
  // MetadataBytes), counted against maxmemory with the entries. Each shard adds the change of
  // its policy's figure when it syncs (Shard::SyncPolicyBytesLocked).
  std::atomic<int64_t> meta_bytes{0};
  // Memory outside the cache counted against maxmemory too: the script cache's bodies
  // (CacheManager::ChargeExternal). Writes evict (or are refused) to make room for it.
  std::atomic<int64_t> external_bytes{0};
  std::atomic<uint64_t> max_items{0};
  std::atomic<uint64_t> max_bytes{0};

  void Add(int64_t di, int64_t db) {
    if (di != 0) items.fetch_add(di, std::memory_order_relaxed);
    if (db != 0) bytes.fetch_add(db, std::memory_order_relaxed);
  }
  // Which limit is exceeded (with a pending write of di items, db bytes), if any.
  EvictionCause Over(int64_t di = 0, int64_t db = 0) const {
    uint64_t mi = max_items.load(std::memory_order_relaxed);
    if (mi != 0 && items.load(std::memory_order_relaxed) + di > static_cast<int64_t>(mi)) {
      return EvictionCause::kItems;
    }
    uint64_t mb = max_bytes.load(std::memory_order_relaxed);
    if (mb != 0 && bytes.load(std::memory_order_relaxed) +
                           meta_bytes.load(std::memory_order_relaxed) +
                           external_bytes.load(std::memory_order_relaxed) + db >
                       static_cast<int64_t>(mb)) {
      return EvictionCause::kSize;
    }
    return EvictionCause::kNone;
  }
};

// Persistence settings and backlog shared by all shards (see backing_tier.h).
// The settings, read by every request, sit on their own cache line: the backlog counters below
// change at the flusher's pace, and sharing a line with them cost each SET a coherence miss.
struct PersistState {
  alignas(64) std::atomic<WriteMode> mode{WriteMode::kNone};
  std::atomic<BackingTier*> tier{nullptr};
  std::atomic<bool> read_through{false};
  alignas(64) std::atomic<int64_t> dirty_keys{0};  // dirty entries + pending deletes, all shards
  std::atomic<int64_t> dirty_bytes{0};             // charges of dirty entries
  std::atomic<uint64_t> tier_errors{0};

  WriteMode Mode() const { return mode.load(std::memory_order_acquire); }
  // A tier operation failed: counted, and its Status kept as the tier's last error (what a write
  // refused with kIoError answers, from whichever thread asks). Cold path: failures only.
  void RecordError(Status st) {
    tier_errors.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(error_mu);
    last_error = std::move(st);
  }
  Status LastError() const {
    std::lock_guard lock(error_mu);
    return last_error;
  }

 private:
  mutable std::mutex error_mu;
  Status last_error;
};

class Shard {
 public:
  Shard(size_t index, Budget& budget, PersistState& persist, std::unique_ptr<EvictionPolicy> policy,
        uint64_t seed);
  ~Shard();

  std::mutex mu;

  // Finds a live entry; an expired one is removed (counted, event raised) and nullptr returned.
  Entry* FindLocked(std::string_view key, uint64_t hash, int64_t now_ms, EventBatch& ev);
  // Updates access metadata (LFU counter with decay, last access) and tells the policy, with
  // `hash` (HashKey of the key) as its hint (EvictionPolicy::HintHash).
  void TouchLocked(Entry& e, uint64_t hash, int64_t now_ms);
  // Writes key=value (existing: the live entry for key or nullptr). Capacity must already be
  // reserved by the caller (see CacheManager::Reserve); accounting deltas are applied here to the
  // shard only. A dirty `existing` stays dirty (its dirty_bytes follow the new charge); the
  // caller (ApplyWriteLocked) marks or clears it. Returns the entry now holding the value.
  // `inherit` (optional): an entry whose access metadata the new one takes (RENAME).
  Entry* WriteLocked(std::string_view key, uint64_t hash, std::string_view value, Entry* existing,
                     int64_t expire_at_ms, int64_t now_ms, const Entry* inherit = nullptr);
  // A metadata change (EXPIRE, PERSIST): a new version, and the key's watchers are told.
  void BumpVersionLocked(Entry& e) {
    e.set_version(next_version_++);
    TouchWatchedLocked(e.key());
  }
  // Unlinks and frees (delete, expire, evict, overwrite-by-rename). Updates shard and global
  // accounting.
  void EraseLocked(Entry* e, uint64_t hash);
  // e must be in the index: its expiring bit there follows the expiry. `hash` is e's key hash,
  // or 0 to have it computed when the bit changes.
  void SetExpiryLocked(Entry& e, int64_t expire_at_ms, uint64_t hash = 0);

  // --- writes that go through the write policy ---
  // Writes key=value like WriteLocked, first to the tier under write-through (on a tier error
  // nothing changes, the error is recorded (PersistState::RecordError) and nullptr returned),
  // marking it dirty under write-back.
  Entry* CommitWriteLocked(std::string_view key, uint64_t hash, std::string_view value,
                           Entry* existing, int64_t expire_at_ms, int64_t now_ms,
                           const Entry* inherit = nullptr);
  // The write-policy bookkeeping without the write-through tier write, for multi-key operations
  // that write the tier in one batch themselves.
  // `mode` is the write mode the caller read once, under this shard's lock, for the whole
  // operation (reading it twice could see a concurrent switch and skip both the tier write and
  // the dirty mark).
  Entry* ApplyWriteLocked(WriteMode mode, std::string_view key, uint64_t hash,
                          std::string_view value, Entry* existing, int64_t expire_at_ms,
                          int64_t now_ms, const Entry* inherit = nullptr);
  void ApplyDeleteLocked(WriteMode mode, Entry* e, uint64_t hash, int64_t now_ms);
  // An explicit delete (DEL, GETDEL, overwritten by RENAME ...): through the write policy, then
  // EraseLocked. False (nothing changed) on a write-through tier error.
  bool CommitDeleteLocked(Entry* e, uint64_t hash, int64_t now_ms);
  // Sets a resident entry's expiry (0: none) through the write policy, with a new version
  // (EXPIRE, PERSIST). False on a tier error, and the old expiry is kept.
  bool CommitExpiryLocked(Entry& e, int64_t expire_at_ms, int64_t now_ms);
  // Write-back flush, in rounds of passes, driven by CacheManager::FlushDirty over all shards
  // so that a round reaches the tier in key order (protocol in shard.cc). Call without `mu`.
  //  StartRound: every key queued now joins this shard's round, which is kept sorted by key
  //    (flush_mu_ taken: call it with no batch of the caller in flight). Appends samples of
  //    the round (keys with the number of round keys each stands for) to `samples`, if given;
  //    returns the round's size.
  //  BeginFlush: takes flush_mu_, pops the round's smallest keys, up to `max` of them and none
  //    above `*bound` (no bound: nullptr), coalesced (each key's latest value or its delete),
  //    and appends their writes to `out`, which views this shard's buffers. `tier` set: writes
  //    were appended, the batch is in flight and flush_mu_ stays held until SettleFlush.
  //    Otherwise flush_mu_ is released (nothing in range, or only stale keys). `left`: round
  //    slots still to pop. Without `wait` (the caller already has batches in flight) it only
  //    try-locks, and `busy` says it gave up.
  //  EndFlight: the pass's tier write returned (no lock; before any SettleFlush of the pass).
  //  SettleFlush: settles the batch (`ok`) or puts it back in the queue, releases flush_mu_.
  //    Returns the keys written.
  struct FlushTake {
    BackingTier* tier = nullptr;
    size_t left = 0;
    bool busy = false;
  };
  struct RoundSample {
    std::string key;
    size_t weight;  // round keys at or below `key` since the shard's previous sample
  };
  size_t StartRound(std::vector<RoundSample>* samples);
  FlushTake BeginFlush(size_t max, const std::string* bound, int64_t now_ms,
                       std::vector<TierWrite>& out, bool wait);
  void EndFlight();
  size_t SettleFlush(bool ok);
  // Blocks until no write-back batch of this shard is being written to the tier. Every tier
  // write (or Clear) made for this shard under `mu`, other than the flush's own, calls it
  // first, so it lands after the batch (per-key order) and no batch lands after a Clear. The
  // flusher needs no lock to finish, so waiting with `mu` (or several shard locks) held is
  // safe. One atomic load when no flush is in flight.
  void WaitForFlushLocked() const {
    while (flush_in_flight_.load(std::memory_order_acquire)) {
      flush_in_flight_.wait(true, std::memory_order_acquire);
    }
  }
  // After a write of `key` reached the tier outside the flush (CacheManager::PersistTogether):
  // the entry is clean if it still has `version`; a written delete retires the pending delete.
  void SettleWrittenLocked(std::string_view key, uint64_t hash, uint64_t version, bool is_delete);
  // Whether `key` is in this shard's batch in flight (mu held).
  bool InFlightLocked(std::string_view key) const;
  // Returns once no flush of this shard is running (call without `mu`): after
  // SetBackingTier(nullptr), no flush still uses the old tier.
  void WaitForFlushIdle() { std::lock_guard lock(flush_mu_); }
  bool HasPendingDeleteLocked(std::string_view key) const {
    return !pending_deletes_.empty() && pending_deletes_.find(key) != pending_deletes_.end();
  }
  size_t dirty_count() const { return dirty_count_; }
  // Queued keys and keys of the round not yet popped. The round's size changes only under mu
  // (StartRound sorts it in place without mu, which moves elements only).
  size_t dirty_queue_size() const { return dirty_refs_.size() + round_refs_.size(); }
  // When the oldest write still to flush was made (0: none): the older of the round's and the
  // queue's oldest.
  int64_t oldest_dirty_ms() const { return OlderOf(queue_oldest_ms_, round_oldest_ms_); }
  uint64_t write_seq() const { return next_version_; }
  // Evicts one victim if the policy has one that is not in `protect`; returns false otherwise.
  // Protected entries picked as victims are detached from the policy into `detached`; the
  // caller re-attaches them with ReattachLocked.
  bool EvictOneLocked(EvictionCause cause, int64_t now_ms, EventBatch& ev,
                      std::span<Entry* const> protect, std::vector<Entry*>& detached);
  void ReattachLocked(std::vector<Entry*>& detached);
  // Active expiry: checks up to `limit` TTL'd entries, sweeping the index from the rotating
  // cursor (its expiring bits; at most 8 x limit home buckets read), removing expired ones.
  // Returns {checked, expired}; `max_lag_ms` is raised to the worst lateness seen.
  std::pair<size_t, size_t> ExpireSomeLocked(size_t limit, int64_t now_ms, EventBatch& ev,
                                             int64_t& max_lag_ms);
  void ClearLocked();
  // Charges the change in the policy's metadata size to the budget (Budget::meta_bytes). Called
  // where the figure matters or moves in steps: before each eviction under a byte limit (see
  // SyncChargedPolicyBytesLocked below), after a clear or a policy swap, and from each
  // active-expiry visit (so growth while the cache is below its limits is seen within one
  // expiry cycle).
  // What is charged is the growth over the size the policy had when it was installed (empty):
  // ghosts, sketches and simulations grow with keys and traffic and are charged; a fixed table a
  // policy allocates up front (LFU's buckets, a minimum sketch) is structure, like the hash
  // index's buckets, and is not.
  // The per-write callers (insert, eviction) use SyncChargedPolicyBytesLocked: the figure only
  // matters while maxmemory is set (Budget::Over reads meta_bytes for nothing else), and reading
  // it costs a walk of adaptive's experts three times per SET into a full cache (145 of its
  // 3,600 instructions per SET, bench/hitratio/evict_throughput under cachegrind). With no byte
  // limit the charge is brought up to date by the other callers: each active-expiry visit, and
  // CacheManager::SetCapacity (CONFIG SET maxmemory) before it judges the new budget.
  void SyncChargedPolicyBytesLocked() {
    if (budget_.max_bytes.load(std::memory_order_relaxed) != 0) SyncPolicyBytesLocked();
  }
  void SyncPolicyBytesLocked() {
    const auto size = static_cast<int64_t>(policy_->MetadataBytes());
    const int64_t now = size > policy_floor_ ? size - policy_floor_ : 0;
    if (now != policy_bytes_) {
      budget_.meta_bytes.fetch_add(now - policy_bytes_, std::memory_order_relaxed);
      policy_bytes_ = now;
    }
  }
  // Swaps in a new policy, rebuilding its order from entries' access metadata.
  void SwapPolicyLocked(std::unique_ptr<EvictionPolicy> policy);

  // WATCH (watch_ticket.h): registers / drops `ticket` for `key`; every change of the key sets
  // its flag. A ticket is registered at most once per key (the caller dedups).
  void WatchLocked(std::string_view key, WatchTicket* ticket);
  void UnwatchLocked(std::string_view key, WatchTicket* ticket);
  // Sets the flag of every ticket watching `key`. One emptiness test when no key is watched.
  void TouchWatchedLocked(std::string_view key) {
    if (!watched_.empty()) TouchWatchedSlowLocked(key);
  }
  size_t watched_keys() const { return watched_.size(); }

  size_t index() const { return index_; }
  HashIndex& table() { return table_; }
  EvictionPolicy& policy() { return *policy_; }
  uint64_t items() const { return items_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t expires() const { return expiring_; }
  // Calls fn on up to `take` entries with an expiry, spread over the index (avg_ttl sampling);
  // reads at most 8 x take buckets of it.
  void SampleExpiring(size_t take, FunctionRef<void(const Entry&)> fn) const;
  ShardCounters& counters() { return counters_; }
  uint64_t& rng() { return rng_; }

 private:
  Entry* Allocate(std::string_view key, std::string_view value);
  static void Free(Entry* e);
  void SetDirtyLocked(Entry& e, bool dirty);
  void MarkDirtyLocked(Entry& e, int64_t now_ms);
  // Persists a metadata change of a resident entry (false: tier error).
  bool CommitMetaLocked(Entry& e, int64_t now_ms);
  void MarkDeletedLocked(std::string_view key, int64_t now_ms);
  void NoteDirtyLocked(std::string_view key, int64_t now_ms);
  bool ErasePendingDeleteLocked(std::string_view key);
  void AdjustDirtyCount(int64_t d);
  void TouchWatchedSlowLocked(std::string_view key);
  // The flush's steps (flush_mu_ held): pick the batch (mu held), settle it (mu held), or put
  // its keys back in the queue after a failed write (mu held).
  // Moves the round's `n` smallest keys to the batch (flush_keys_, flush_refs_), then picks
  // the batch: coalesced, each key's value copied.
  void PopFlushBatchLocked(size_t n);
  // Key `i` of the popped batch (flush_refs_[i] into flush_keys_).
  std::string_view FlushKey(size_t i) const {
    return {flush_keys_.data() + flush_refs_[i].off, flush_refs_[i].len};
  }
  // Where `key` is in flush_seen_ (the batch's keys, by hash), or the empty slot for it.
  size_t SeenSlot(std::string_view key, uint64_t hash) const;
  void SettleFlushLocked();
  void RequeuePoppedLocked();
  // No batch in flight: an empty queue or round has no oldest write, and big buffers are freed.
  void TrimRoundAndQueueLocked();
  // The older of two times, 0 meaning none.
  static int64_t OlderOf(int64_t a, int64_t b) {
    return a == 0 ? b : (b == 0 ? a : std::min(a, b));
  }

  const size_t index_;
  Budget& budget_;
  PersistState& persist_;
  std::unique_ptr<EvictionPolicy> policy_;
  HashIndex table_;
  uint64_t expiring_ = 0;               // entries with an expiry (the index's expiring bits set)
  size_t expire_cursor_ = 0;            // the active-expiry sweep's next home bucket
  std::vector<Entry*> expire_scratch_;  // one chain's entries with an expiry (ExpireSomeLocked)
  uint64_t items_ = 0, bytes_ = 0;
  int64_t policy_bytes_ = 0;  // this shard's share of Budget::meta_bytes
  int64_t policy_floor_ = 0;  // MetadataBytes() of the policy when installed (not charged)
  uint64_t next_version_ = 1;
  uint64_t rng_;
  ShardCounters counters_;
  // Write-back backlog: keys to look at on the next flush (may repeat or be stale: the flush
  // coalesces), and keys deleted or expired since their last flush. The queue keeps its keys'
  // bytes in one arena (no allocation per dirty mark); the flush pops from the end.
  struct KeyRef {
    size_t off;
    size_t len;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };
  std::string dirty_arena_;
  std::vector<KeyRef> dirty_refs_;
  // The round being flushed (see StartRound): the keys taken from the queue, their refs sorted
  // by key in DESCENDING order so that the next keys to pop are at the end. Changed with
  // flush_mu_ and mu held, sorted with flush_mu_ held.
  std::string round_arena_;
  std::vector<KeyRef> round_refs_;
  std::string_view RoundKey(const KeyRef& r) const { return {round_arena_.data() + r.off, r.len}; }
  std::unordered_set<std::string, KeyHash, std::equal_to<>> pending_deletes_;
  // WATCHed keys of this shard and the tickets watching each (watch_ticket.h).
  std::unordered_map<std::string, std::vector<WatchTicket*>, KeyHash, std::equal_to<>> watched_;
  size_t dirty_count_ = 0;
  // The oldest write waiting in the queue, and in the round (or in its batch in flight): a
  // round takes the queue's oldest along, so under a steady load neither age outgrows a round.
  int64_t queue_oldest_ms_ = 0;
  int64_t round_oldest_ms_ = 0;
  int64_t flight_ms_ = 0;  // when the batch in flight was picked (flush_mu_)

  // --- the write-back flush (see BeginFlush) ---
  // Serialises flushes of this shard (FlushService round, backpressure, SetWriteMode): one batch
  // at a time, picked, written and settled. Lock order: flush_mu_ before mu, never the reverse.
  std::mutex flush_mu_;
  // Set under mu when a picked batch is about to be written with mu released; cleared (and
  // waiters notified) as soon as the tier write returns, before mu is taken again to settle.
  std::atomic<bool> flush_in_flight_{false};
  // The batch being flushed, owned by the flusher holding flush_mu_ and reused across flushes:
  // popped round keys (their bytes and refs, put back on failure), a copy of the values written
  // (entries may change or go away while the lock is released), and what was written.
  struct FlushItem {
    size_t key;  // index into flush_refs_
    uint64_t hash;
    uint64_t version;  // the entry's version written; 0 for a delete
    size_t value_off, value_len;
    int64_t expire_at_ms;
    bool is_delete;
  };
  std::string flush_keys_;
  std::vector<KeyRef> flush_refs_;
  std::vector<uint64_t> flush_hashes_;  // HashKey of each of flush_refs_
  std::string flush_values_;
  std::vector<FlushItem> flush_items_;
  std::vector<uint32_t> flush_seen_;  // coalescing while picking (see PopFlushBatchLocked)
  std::vector<TierWrite> flush_batch_;
};

}  // namespace cairn
