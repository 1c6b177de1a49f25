// What the command layer, the dispatcher and the sessions use of the pub/sub and observability
// modules: one bundle built by the composition root (main) and handed to the server
// (Server::SetObservability), reached through ServerContext::observability(). Every pointer may
// be null (command unit tests; a server built without the feature): users check before use.
//
// Threads: the pointers are set once before the server starts, then only read. The settings
// below are atomics written by CONFIG SET hooks and read on every command (relaxed loads).
#pragma once

#include <atomic>
#include <cstdint>

#include "cairn/pubsub/output_limit.h"

namespace cairn {

class PubSubHub;
class KeyspaceNotifier;
class SlowLog;
class MonitorFeed;

struct Observability {
  PubSubHub* pubsub = nullptr;           // SUBSCRIBE ... PUBLISH, keyspace notifications
  KeyspaceNotifier* notifier = nullptr;  // command-specific keyspace events (Notify)
  SlowLog* slowlog = nullptr;            // SLOWLOG, fed by the dispatcher
  MonitorFeed* monitors = nullptr;       // MONITOR, fed by the dispatcher

  // latency-tracking: per-command latency histograms (INFO latencystats, Prometheus).
  std::atomic<bool> latency_tracking{true};

  // client-output-buffer-limit pubsub (hard bytes, soft bytes, soft seconds), read by each
  // subscriber on every delivery.
  void SetPubSubLimit(const OutputBufferLimit& limit) {
    pubsub_hard_.store(limit.hard_bytes, std::memory_order_relaxed);
    pubsub_soft_.store(limit.soft_bytes, std::memory_order_relaxed);
    pubsub_soft_seconds_.store(limit.soft_seconds, std::memory_order_relaxed);
  }
  OutputBufferLimit pubsub_limit() const {
    return OutputBufferLimit{pubsub_hard_.load(std::memory_order_relaxed),
                             pubsub_soft_.load(std::memory_order_relaxed),
                             pubsub_soft_seconds_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<uint64_t> pubsub_hard_{OutputBufferLimit{}.hard_bytes};
  std::atomic<uint64_t> pubsub_soft_{OutputBufferLimit{}.soft_bytes};
  std::atomic<int64_t> pubsub_soft_seconds_{OutputBufferLimit{}.soft_seconds};
};

}  // namespace cairn
