// What the command layer, the dispatcher and the sessions use of the pub/sub and observability
// modules: one bundle built by the composition root (main) and handed to the server
// (Server::SetObservability), reached through ServerContext::observability(). Every pointer may
// be null (command unit tests; a server built without the feature): users check before use.
//
// Threads: the pointers are set once before the server starts, then only read. The settings
// below are atomics written by CONFIG SET hooks and read on every command (relaxed loads).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "cairn/command/context.h"
#include "cairn/pubsub/output_limit.h"

namespace cairn {

class PubSubHub;
class KeyspaceNotifier;
class SlowLog;
class MonitorFeed;
class Tracking;

struct Observability {
  PubSubHub* pubsub = nullptr;           // SUBSCRIBE ... PUBLISH, keyspace notifications
  KeyspaceNotifier* notifier = nullptr;  // command-specific keyspace events (Notify)
  SlowLog* slowlog = nullptr;            // SLOWLOG, fed by the dispatcher
  MonitorFeed* monitors = nullptr;       // MONITOR, fed by the dispatcher
  Tracking* tracking = nullptr;          // CLIENT TRACKING (client-side caching invalidations)

  // latency-tracking: per-command latency histograms (INFO latencystats, Prometheus).
  std::atomic<bool> latency_tracking{true};

  // client-output-buffer-limit of the normal and pubsub classes (hard bytes, soft bytes, soft
  // seconds), read by each session on every reply and by each subscriber on every delivery. The
  // other classes have no clients in Cairn: their limits are kept in the config only.
  void SetOutputLimit(ClientType type, const OutputBufferLimit& limit) {
    Limits& l = limits_[Index(type)];
    l.hard.store(limit.hard_bytes, std::memory_order_relaxed);
    l.soft.store(limit.soft_bytes, std::memory_order_relaxed);
    l.soft_seconds.store(limit.soft_seconds, std::memory_order_relaxed);
  }
  OutputBufferLimit output_limit(ClientType type) const {
    const Limits& l = limits_[Index(type)];
    return OutputBufferLimit{l.hard.load(std::memory_order_relaxed),
                             l.soft.load(std::memory_order_relaxed),
                             l.soft_seconds.load(std::memory_order_relaxed)};
  }

 private:
  struct Limits {
    std::atomic<uint64_t> hard;
    std::atomic<uint64_t> soft;
    std::atomic<int64_t> soft_seconds;
  };
  static size_t Index(ClientType type) { return type == ClientType::kPubSub ? 1 : 0; }

  // Redis's defaults: normal 0 0 0 (no limit), pubsub 32mb 8mb 60 (OutputBufferLimit{}).
  Limits limits_[2] = {{{0}, {0}, {0}},
                       {{OutputBufferLimit{}.hard_bytes},
                        {OutputBufferLimit{}.soft_bytes},
                        {OutputBufferLimit{}.soft_seconds}}};
};

}  // namespace cairn
