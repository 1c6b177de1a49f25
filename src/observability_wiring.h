// The composition root's observability wiring (used by main.cc only): pub/sub, keyspace
// notifications, SLOWLOG, MONITOR and latency tracking handed to the server as one
// Observability bundle, their CONFIG SET hooks, and the Prometheus exporter's MetricsSource.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "cairn/command/observability.h"
#include "cairn/config/config.h"
#include "cairn/config/config_params.h"
#include "cairn/observability/keyspace_notifier.h"
#include "cairn/observability/metrics_source.h"
#include "cairn/observability/prometheus_exporter.h"
#include "cairn/observability/slowlog.h"
#include "cairn/pubsub/monitor_feed.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "cairn/pubsub/tracking.h"

namespace cairn {

class CacheManager;
class Clock;
class CommandTable;
class EventBus;
class PersistenceService;
class Server;

// Owns the services; `bundle` points at them. Build it before the Server and destroy it after
// (the sessions deliver into the hub until they are gone); the bus must outlive it.
struct ObservabilityServices {
  ObservabilityServices(EventBus& bus, const Clock& clock, const ServerConfig& cfg);
  ObservabilityServices(const ObservabilityServices&) = delete;
  ObservabilityServices& operator=(const ObservabilityServices&) = delete;

  PubSubHub hub;
  // Commands name their own write events (Redis's exact names: INCR publishes "incrby"); the
  // bus supplies expired / evicted / keymiss and Cairn's own events (__cairn__:events).
  KeyspaceNotifier notifier;
  SlowLog slowlog;
  MonitorFeed monitors;
  Tracking tracking;  // the bus's synchronous tap (invalidations)
  Observability bundle;
};

// CONFIG SET hooks: notify-keyspace-events, slowlog-log-slower-than, slowlog-max-len,
// tracking-table-max-keys,
// latency-tracking, client-output-buffer-limit.
void AddObservabilityHooks(ConfigApplyHooks& hooks, ObservabilityServices& services);

// What /metrics shows: the cache's statistics, the server's counters, the command table's rows
// and the persistence service's write-back and store counters (as `extra` series). /readyz
// answers ready while `serving` is set (main: from startup to shutdown) and no warm-load runs.
MetricsSource MakeMetricsSource(CacheManager& cache, Server& server, const CommandTable& table,
                                PersistenceService& persistence, EventBus& bus,
                                ObservabilityServices& services, const std::atomic<bool>& serving);

// Starts the exporter on metrics-bind:metrics-port; nullptr with no error when metrics-port is
// 0 (off). On failure returns nullptr and sets `error`.
std::unique_ptr<PrometheusExporter> StartMetricsExporter(const ServerConfig& cfg,
                                                         MetricsSource source, std::string& error);

}  // namespace cairn
