// Server-assisted client-side caching (Redis 7.0 CLIENT TRACKING, src/tracking.c).
//
// A tracking connection keeps values it read in a local cache; the server tells it when one of
// those keys changes, so it never serves a stale value for long. Modes, as in Redis:
//   default  the server remembers, per key, which connections read it (Remember, called by the
//            dispatcher before a read-only command runs); when the key changes, each of them
//            gets one invalidation and the key is forgotten until read again.
//   BCAST    nothing is remembered: every change of a key under one of the connection's prefixes
//            (the empty prefix: every key) is sent to it.
//   OPTIN / OPTOUT  default mode, but only reads after CLIENT CACHING YES (OPTIN) / all but those
//            after CLIENT CACHING NO (OPTOUT) are remembered (the dispatcher decides).
//   NOLOOP   changes made by the connection itself are not sent to it.
//   REDIRECT the invalidations go to another connection: a RESP3 one as invalidate pushes, a RESP2
//            one in pub/sub mode as messages on __redis__:invalidate (TrackingMessage).
//
// What counts as a change: every write, delete, expiry (lazy and active) and eviction of a key,
// whatever caused it, arrives through the event bus's synchronous tap (EventBus::Tap: on the
// writing thread, after the shard lock is released, before the write returns; never dropped);
// FLUSHALL / FLUSHDB / SNAPSHOT RESTORE call InvalidateAll (a null invalidation to everyone);
// commands that change only a key's expiry (EXPIRE, PERSIST ...) call Invalidate themselves.
// The tap is switched on only while some connection tracks, so without tracking clients the
// cache builds no event for it and the dispatcher pays one relaxed load per command.
//
// Race with a concurrent write: the reader is remembered *before* its read runs, so a write that
// lands after the read always finds it (at worst a write that landed just before the read sends
// one needless invalidation).
//
// The table of remembered keys is bounded (tracking-table-max-keys, Redis's default 1000000):
// past the bound, keys are dropped from it with an invalidation to their readers, as Redis does.
//
// Threads: every method may be called from any thread; one mutex guards everything. Lock order:
// tracking mutex -> a subscriber's output lock (taken inside DeliverTracking). It is never taken
// under a shard lock (the tap runs after the shard lock is released).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cairn/events/event_bus.h"
#include "cairn/pubsub/pubsub_hub.h"

namespace cairn {

class Tracking final : public EventBus::Tap {
 public:
  struct Mode {
    bool bcast = false;
    bool noloop = false;
    uint64_t redirect = 0;              // 0: none
    std::vector<std::string> prefixes;  // BCAST only; empty means every key ("")
  };
  struct Stats {
    uint64_t clients = 0;   // connections with tracking on (INFO tracking_clients)
    uint64_t keys = 0;      // keys remembered (tracking_total_keys)
    uint64_t items = 0;     // (key, connection) pairs remembered (tracking_total_items)
    uint64_t prefixes = 0;  // BCAST prefixes registered (tracking_total_prefixes)
    uint64_t bytes = 0;     // what the table of remembered keys holds, as charged below
  };
  // Told the change of the table's memory after each change (main charges it to the cache's
  // maxmemory budget, next to policy metadata and the script cache). Set before use.
  using MemoryCharge = std::function<void(int64_t delta_bytes)>;
  void SetMemoryCharge(MemoryCharge charge);
  // The estimate per remembered key (hash node, key string, readers vector) and per reader.
  static constexpr int64_t kKeyOverhead = 96;
  static constexpr int64_t kReaderBytes = sizeof(uint64_t);
  static constexpr uint64_t kDefaultMaxKeys = 1'000'000;

  // `bus` (may be null: tests) gets this as its tap.
  explicit Tracking(EventBus* bus);
  ~Tracking() override;
  Tracking(const Tracking&) = delete;
  Tracking& operator=(const Tracking&) = delete;

  // --- connections (sessions register themselves, for REDIRECT) ---
  void Register(uint64_t id, Subscriber* s);
  // The connection closed: its tracking stops, redirects to it break. No DeliverTracking to `s`
  // runs or will start once this returns.
  void Unregister(uint64_t id);

  // --- CLIENT TRACKING ---
  enum class EnableResult : uint8_t { kOk, kNoSuchRedirect };
  // Turns tracking on (or changes its options) for connection `id`. The caller has validated the
  // options (BCAST switches, prefix overlaps) with Redis's errors.
  EnableResult Enable(uint64_t id, const Mode& mode);
  void Disable(uint64_t id);
  bool BrokenRedirect(uint64_t id) const;

  // --- keys ---
  // Default mode: connection `id` read `keys` (called before the read runs).
  void Remember(uint64_t id, std::span<const std::string_view> keys);
  // `key` changed; `writer` is the connection that changed it (0: the server itself).
  void Invalidate(std::string_view key, uint64_t writer);
  // Everything changed (FLUSHALL, FLUSHDB, SNAPSHOT RESTORE).
  void InvalidateAll();

  // The connection running a command on this thread (for NOLOOP), set by the dispatcher.
  class WriterScope {
   public:
    explicit WriterScope(uint64_t id);
    ~WriterScope();
    WriterScope(const WriterScope&) = delete;
    WriterScope& operator=(const WriterScope&) = delete;

   private:
    uint64_t prev_;
  };

  // True while at least one connection tracks (one relaxed load: the dispatcher's fast path).
  bool active() const { return active_.load(std::memory_order_relaxed) != 0; }
  void SetMaxKeys(uint64_t max_keys);  // 0: no bound
  bool Connected(uint64_t id) const;   // a connection with this id is registered
  Stats stats() const;

  // EventBus::Tap: set / delete / expired / evicted of a key.
  void OnEvent(const Event& event) override;

 private:
  struct Client {
    Mode mode;
    bool broken = false;  // the REDIRECT target is gone
  };
  void SendLocked(uint64_t id, Client& c, const TrackingMessage& m);
  void InvalidateLocked(std::string_view key, uint64_t writer);
  void EvictOverLimitLocked();
  void UpdateTapLocked();
  void ChargeLocked(int64_t before);  // reports bytes_ - before to charge_

  EventBus* const bus_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Subscriber*> sessions_;
  std::unordered_map<uint64_t, Client> clients_;
  std::unordered_map<std::string, std::vector<uint64_t>> keys_;  // default mode: key -> readers
  uint64_t items_ = 0;
  uint64_t prefix_count_ = 0;
  uint64_t bcast_clients_ = 0;
  uint64_t max_keys_ = kDefaultMaxKeys;
  int64_t bytes_ = 0;
  MemoryCharge charge_;
  std::atomic<uint64_t> active_{0};
};

}  // namespace cairn
