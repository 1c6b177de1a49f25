// The /metrics endpoint (Prometheus text format), served by prometheus-cpp's Exposer (civetweb)
// on metrics-port, plus /healthz (always 200 "ok") and /readyz (200 "ready"; 503 "loading", or
// "persistent store failing: <error>" while the store refuses writes) for container probes.
//
// Series are computed at scrape time from a MetricsSource (a custom prometheus::Collectable),
// so the hot path pays nothing for metrics: nothing is updated per request on our side.
// redis_exporter's names where one exists (so existing Grafana dashboards work):
//   redis_up, redis_uptime_in_seconds, redis_connected_clients, redis_memory_used_bytes,
//   redis_memory_max_bytes, redis_keyspace_hits_total, redis_keyspace_misses_total,
//   redis_evicted_keys_total, redis_expired_keys_total, redis_commands_processed_total,
//   redis_db_keys{db="db0"}, redis_db_keys_expiring{db="db0"}, redis_commands_total{cmd},
//   redis_commands_duration_seconds_total{cmd}, redis_commands_failed_calls_total{cmd},
//   redis_commands_rejected_calls_total{cmd}
// and Cairn's own:
//   cairn_commands_total{cmd}, cairn_command_duration_seconds{cmd} (histogram from the
//   command's LatencyHistogram), cairn_evictions_total{policy,cause}, cairn_expirations_total,
//   cairn_items, cairn_bytes, cairn_max_items, cairn_max_bytes, cairn_oom_rejections_total,
//   cairn_expiry_lag_seconds, cairn_event_bus_dropped_total, plus MetricsSource::extra.
//
// Threads: civetweb's threads call the source's callbacks. Start/Stop from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/observability/metrics_source.h"

namespace cairn {

struct PrometheusExporterOptions {
  // IPv4 address ("0.0.0.0" = all). IPv6 (written without brackets) only where civetweb was
  // built with it, which Debian 12's is not: Start() then says so.
  std::string bind = "127.0.0.1";
  uint16_t port = 0;  // 0 = an ephemeral port (the composition root skips the exporter when
                      // metrics-port is 0)
  int threads = 2;    // HTTP worker threads
};

class PrometheusExporter {
 public:
  explicit PrometheusExporter(MetricsSource source);
  ~PrometheusExporter();  // Stop()s
  PrometheusExporter(const PrometheusExporter&) = delete;
  PrometheusExporter& operator=(const PrometheusExporter&) = delete;

  // Binds and starts serving. Returns an error message (e.g. the port is taken).
  std::optional<std::string> Start(const PrometheusExporterOptions& options);
  void Stop();  // idempotent; waits for in-flight requests
  // The bound port (after Start), 0 when not running.
  uint16_t port() const;

  // The exposition text /metrics would serve now (tests, a DEBUG command).
  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn
