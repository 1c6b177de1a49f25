// The cache manager: the one authoritative cache. Built once by the composition root (main) and
// passed down; tests build their own. Keys are routed by hash to a power-of-two number of shards,
// each with its own mutex, index, eviction policy instance and accounting.
//
// Operations return status and plain values, never protocol bytes. Readers get the live entry
// through a visitor that runs under the shard lock: it must be short, must not call back into the
// cache, and must copy out whatever it needs (typically straight into the reply buffer).
//
// Thread safety: every public method may be called from any thread.
// Lock order: shard mutexes in ascending shard index; the event bus lock is never held together
// with a shard lock (events are published after shard locks are released).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/cache/backing_tier.h"
#include "cairn/cache/entry.h"
#include "cairn/cache/options.h"
#include "cairn/cache/watch_ticket.h"
#include "cairn/common/clock.h"
#include "cairn/common/exclusive_gate.h"
#include "cairn/common/function_ref.h"
#include "cairn/common/status.h"

namespace cairn {

class EventBatch;
class EventBus;
class Shard;

struct SetOptions {
  enum class Cond : uint8_t { kAlways, kIfAbsent /* NX */, kIfPresent /* XX */ };
  Cond cond = Cond::kAlways;
  bool keep_ttl = false;     // KEEPTTL: an existing key keeps its expiry
  bool want_old = false;     // GET: return the previous value
  int64_t expire_at_ms = 0;  // absolute Unix ms; 0 = no expiry (unless keep_ttl)
};

struct SetResult {
  OpStatus status = OpStatus::kOk;  // kOk, kNotApplied (NX/XX not met), kOutOfMemory
  std::optional<std::string> old;   // previous value when want_old and the key existed
};

enum class ExpireCond : uint8_t { kAlways, kNx, kXx, kGt, kLt };

// What a read-modify-write callback decides.
struct Mutation {
  enum class Kind : uint8_t { kKeep, kWrite, kDelete };
  Kind kind = Kind::kKeep;
  std::string_view value;           // kWrite: the new value (must stay valid until Mutate returns)
  bool keep_ttl = true;             // kWrite: keep the existing expiry
  int64_t expire_at_ms = 0;         // kWrite with keep_ttl == false: new expiry (0 = none)
  OpStatus status = OpStatus::kOk;  // returned by Mutate (e.g. kNotInteger with kKeep)

  static Mutation Keep(OpStatus s = OpStatus::kOk) { return {Kind::kKeep, {}, true, 0, s}; }
  static Mutation Write(std::string_view v) { return {Kind::kWrite, v, true, 0, OpStatus::kOk}; }
  static Mutation Delete() { return {Kind::kDelete, {}, true, 0, OpStatus::kOk}; }
};

class CacheManager {
 public:
  CacheManager(const CacheOptions& options, const Clock& clock, EventBus* bus = nullptr);
  ~CacheManager();
  CacheManager(const CacheManager&) = delete;
  CacheManager& operator=(const CacheManager&) = delete;

  // --- reads ---
  // Looks the key up, counts a hit or miss, touches access metadata. `fn` runs under the shard
  // lock with the live entry. Returns kOk or kNotFound.
  OpStatus Get(std::string_view key, FunctionRef<void(const Entry&)> fn);
  // Like Get but without stats or touching (TTL, TYPE, EXISTS, OBJECT, MEMORY USAGE, DUMP-like
  // reads). Expired keys are still removed lazily.
  OpStatus Peek(std::string_view key, FunctionRef<void(const Entry&)> fn);
  bool Exists(std::string_view key);

  // --- writes ---
  SetResult Set(std::string_view key, std::string_view value, const SetOptions& opts = {});
  // Deletes; returns true if the key existed.
  bool Delete(std::string_view key);
  // Removes and returns the value (GETDEL).
  std::optional<std::string> Take(std::string_view key);
  // Atomic read-modify-write of one key: `fn` sees the live entry (nullptr when absent) under the
  // shard lock and decides. Returns the Mutation's status, or kOutOfMemory if a write found no
  // room. `fn` may run more than once (when room has to be made in other shards first, the
  // operation is retried against the then-current entry), so it must only compute from its
  // argument.
  OpStatus Mutate(std::string_view key, FunctionRef<Mutation(const Entry*)> fn);
  // Sets all pairs atomically across shards (shard locks taken in ascending index). With
  // only_if_none_exist (MSETNX) nothing is written if any key exists (status kNotApplied).
  OpStatus MultiSet(std::span<const std::pair<std::string_view, std::string_view>> pairs,
                    bool only_if_none_exist = false);
  // Moves src to dst keeping value and expiry. kNotFound if src is missing; with nx, kNotApplied
  // if dst exists. Renaming a key to itself is kOk (or kNotApplied with nx).
  OpStatus Rename(std::string_view src, std::string_view dst, bool nx = false);

  // --- expiry ---
  // Sets the absolute expiry under the condition. An expiry at or before now deletes the key
  // (counted as a delete, like Redis). Returns kOk, kNotFound, kNotApplied.
  OpStatus Expire(std::string_view key, int64_t expire_at_ms,
                  ExpireCond cond = ExpireCond::kAlways);
  // Removes the expiry. kOk if removed, kNotApplied if the key had none, kNotFound.
  OpStatus Persist(std::string_view key);
  // Touches access metadata of an existing key (TOUCH) without counting a hit.
  bool Touch(std::string_view key);

  // --- keyspace ---
  // Redis-style cursor scan: returns the next cursor (0 when done) and calls `fn` for visited
  // live entries. Every key present for the whole scan is returned at least once.
  uint64_t Scan(uint64_t cursor, size_t count, FunctionRef<void(const Entry&)> fn);
  std::vector<std::string> Keys(std::string_view pattern);
  std::optional<std::string> RandomKey();
  uint64_t Size() const;
  // Empties the cache, and the persistent tier unless write-policy is none. kIoError (message:
  // tier_error()) when the tier could not be cleared: memory is empty all the same.
  OpStatus Flush();

  // --- capacity and policy (run time) ---
  void SetCapacity(uint64_t max_items, uint64_t max_bytes);
  uint64_t max_items() const;
  uint64_t max_bytes() const;
  // Redis's "used memory > maxmemory and nothing can be evicted" (performEvictions() ==
  // EVICT_FAIL): the policy is noeviction and not even the smallest new entry fits. Commands
  // queued in MULTI and a script's first write are then refused with -OOM, as Redis does.
  bool OutOfMemory() const;
  // Memory held outside the cache that counts against max_bytes like the entries (the script
  // cache): adds delta_bytes to it. The next writes evict to make room, or are refused under
  // noeviction.
  void ChargeExternal(int64_t delta_bytes);
  int64_t external_bytes() const;
  // Swaps every shard to a fresh instance of the named policy, one shard at a time, rebuilding its
  // order from the entries' access metadata; entries and counters are untouched. Returns false
  // (and changes nothing) for an unknown name.
  bool SetPolicy(std::string_view name);
  // SetPolicy on a background thread (CONFIG SET eviction-policy): the rebuild holds one shard's
  // lock at a time for that shard's entries (~60k entries per shard at 1M keys: tens of ms), and
  // running it on an I/O thread stalled every client of that thread for the whole cache (1M
  // keys: 0.2-0.5 s). False for an unknown name. A swap still running is waited for first.
  // policy_swap_running() is true until the swap has finished: the caller's connection waits
  // on it before it is answered, so the reply still means "the new policy is in force".
  bool StartPolicySwap(std::string_view name);
  const std::atomic<bool>& policy_swap_running() const;
  // The policy in force (the old one until a swap has rebuilt every shard).
  std::string policy() const;

  // --- maintenance ---
  // One active-expiry cycle: scans shards for expired keys within the time budget (real time,
  // microseconds), taking each shard lock only for a batch of 64 checks. Returns the number of
  // keys removed. Called by the maintenance thread (ExpiryService) or directly by tests.
  size_t ActiveExpireCycle(int64_t budget_us = 25'000);

  // --- persistence (see backing_tier.h) ---
  // The tier must outlive the cache, or be detached (nullptr) first.
  void SetBackingTier(BackingTier* tier);
  // Switches the write policy. Leaving write-back flushes everything dirty first; if that flush
  // fails the policy stays write-back and the error is returned.
  Status SetWriteMode(WriteMode mode);
  WriteMode write_mode() const;
  void SetReadThrough(bool on);
  bool read_through() const;
  // Write-back backpressure (see WriteBackLimits): writes over a limit get kBackpressure.
  void SetWriteBackLimits(const WriteBackLimits& limits);
  // Writes dirty keys (coalesced) to the tier in passes: each takes a bounded batch from every
  // shard (one shard lock at a time) and writes them in key order with no shard lock held.
  // `drain`: until no key is queued (keys dirtied during the call included); otherwise only what
  // was queued when the call started (a timer round). Returns the number of keys written; on a
  // tier error stops with its Status, and keeps the rest dirty.
  struct FlushResult {
    size_t written = 0;
    Status status;
  };
  FlushResult FlushDirty(size_t max_keys = SIZE_MAX, bool drain = true);
  // Write-back: writes the dirty state of `keys` (their values, or their deletes) to the tier
  // as ONE batch and marks them clean. EXEC and scripts call it with the keys of their writes
  // before they leave the exclusive gate, so a transaction reaches the tier whole: the flusher
  // collects its passes with the gate held shared (FlushDirty), never between two commands of a
  // transaction, and once the transaction is over its keys are clean. No-op in other modes.
  // kIoError: the tier refused the batch (the keys stay dirty; tier_error() says why).
  OpStatus PersistTogether(std::span<const std::string_view> keys);
  PersistStats persist_stats() const;
  uint64_t dirty_keys() const;  // cheap (one atomic load)
  // Inserts a clean entry if the key is absent and there is room without evicting (warm-load).
  // kOk, kNotApplied (present), kOutOfMemory (full).
  OpStatus LoadClean(std::string_view key, std::string_view value, int64_t expire_at_ms);
  // The tier's last error (PersistState::RecordError): what a write refused with kIoError, or a
  // Flush that could not clear the tier, answers. Ok when the tier never failed.
  Status tier_error() const;

  // --- snapshots (Memento) ---
  // Visits every live entry, shard by shard, in chunks of up to 256 entries per hold of the
  // shard's lock, so no request waits for more than one chunk's copy. `fn` must only copy.
  // Consistency is per key, as with SCAN: a key present for the whole capture is visited; one
  // written meanwhile is seen with its old or its new value; a table resize during the capture
  // may visit a key twice, the later visit holding the newer value (so replaying the visits in
  // order, as a restore does, ends with the newest). Capture takes the chunks back to back;
  // code that serves requests meanwhile (BGSAVE) uses CaptureChunk and works between chunks.
  void Capture(FunctionRef<void(const Entry&)> fn) const;
  // One chunk of that walk: visits up to 256 entries of `shard` (0 .. shard_count()-1) from
  // `cursor` (0 to start) under one hold of its lock and returns the cursor to continue from, 0
  // when the shard is done. A caller copies a chunk, then writes it out with no lock held before
  // it asks for the next: re-taking the lock at once starves the requests waiting for it (a woken
  // waiter needs ~10 us to run, and std::mutex lets the releasing thread barge back in first).
  uint64_t CaptureChunk(size_t shard, uint64_t cursor, FunctionRef<void(const Entry&)> fn) const;
  struct RestoreEntry {
    std::string key, value;
    int64_t expire_at_ms = 0;
    uint8_t freq = 0;
    uint32_t last_access_s = 0;
  };
  // Replaces the whole cache atomically (all shard locks held) with `entries` (already verified
  // by the caller). Expired entries are skipped; entries beyond capacity are evicted by policy.
  // Entries are restored clean; under write-through/back the caller persists them separately.
  void Restore(std::vector<RestoreEntry> entries);

  // --- transactions ---
  // WATCH: registers `ticket` for `key` (an expired key is removed first, so a key that had
  // already expired when watched does not abort the transaction, as in Redis 7.0); from then on
  // any change of the key sets ticket->dirty (watch_ticket.h). Unwatch drops the registration.
  void Watch(std::string_view key, WatchTicket* ticket);
  void Unwatch(std::string_view key, WatchTicket* ticket);
  // The gate that makes EXEC and scripts atomic (exclusive_gate.h): the dispatcher takes it
  // shared around every command and exclusive around EXEC; active expiry and the snapshot
  // capture take it shared too, so they never see (or make) a state inside a transaction.
  ExclusiveGate& gate() const { return gate_; }

  CacheStats Stats() const;
  // INFO keyspace avg_ttl: the average remaining TTL (ms) of keys with an expiry, estimated from
  // up to `per_shard` of each shard's TTL'd keys spread over its TTL list (one shard lock at a
  // time, never a walk of the keyspace), each shard weighted by its count of TTL'd keys.
  // 0 when no key has an expiry.
  int64_t EstimateAvgTtlMs(size_t per_shard = 32) const;
  void ResetStats();
  size_t shard_count() const { return shards_.size(); }
  size_t ShardOf(std::string_view key) const;
  const Clock& clock() const { return clock_; }
  EventBus* bus() const { return bus_; }

 private:
  struct Impl;
  Shard& ShardFor(uint64_t hash) const;
  size_t ShardIndex(uint64_t hash) const;
  // Evicts from any shard (one lock at a time) until a pending write of (items, bytes) fits.
  bool EvictElsewhere(int64_t items, int64_t bytes);
  OpStatus Refuse(std::string_view key);
  OpStatus Backpressure();
  // Under s's lock: deletes live entry e (nullptr: nothing) through the write policy.
  OpStatus DeleteLocked(Shard& s, Entry* e, std::string_view key, uint64_t h, int64_t now,
                        EventBatch& ev);
  // The "make room, else retry" driver (cache_manager_impl.h) and what a write found no room for.
  struct Room;
  template <typename Body>
  OpStatus WriteMakingRoom(std::string_view key, std::span<Shard* const> shards, Body&& body);
  // Under the `locked` shards' locks: reserves (di, db) in the budget, evicting from those shards.
  // kNotApplied: they ran out of victims, `room` says what is wanted (the driver retries).
  OpStatus ReserveIn(std::span<Shard* const> locked, int64_t di, int64_t db,
                     std::span<Entry* const> protect, int64_t now, EventBatch& ev, Room& room);
  // Under s's lock: reserves room for key=value (replacing live entry e or nothing) in s and
  // writes it through the write policy (ReserveIn's statuses, or kIoError).
  OpStatus WriteOneLocked(Shard& s, std::string_view key, uint64_t h, std::string_view value,
                          Entry* e, int64_t expire, int64_t now, EventBatch& ev, Room& room);
  // Writes a multi-key batch for the operation holding the `locked` shards' locks (write-through),
  // after any write-back batch of those shards in flight.
  // kIoError: the tier refused it (its Status is the tier's last error).
  OpStatus WriteTier(std::span<Shard* const> locked, std::span<const TierWrite> writes);
  // Read-through: on a memory miss, look in the tier; insert what is found (clean).
  OpStatus ReadThrough(std::string_view key, uint64_t hash, FunctionRef<void(const Entry&)> fn);
  std::vector<std::unique_ptr<Shard>> shards_;
  const Clock& clock_;
  EventBus* bus_;
  std::unique_ptr<Impl> impl_;
  mutable ExclusiveGate gate_;
};

}  // namespace cairn
