#include "observability_wiring.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <utility>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/command_table.h"
#include "cairn/common/clock.h"
#include "cairn/events/event_bus.h"
#include "cairn/persistence/persistence_service.h"
#include "cairn/server/server.h"

namespace cairn {
namespace {

KeyspaceNotifier::Options NotifierOptions() {
  KeyspaceNotifier::Options o;
  o.writes_from_bus = false;
  return o;
}

// client-output-buffer-limit normal and pubsub (the classes Cairn has clients of).
void SetOutputLimits(Observability& bundle, const ServerConfig& cfg) {
  auto convert = [](const ClientOutputBufferLimits::Limit& l) {
    return OutputBufferLimit{l.hard_bytes, l.soft_bytes, l.soft_seconds};
  };
  bundle.SetOutputLimit(ClientType::kNormal, convert(cfg.client_output_buffer_limit.normal));
  bundle.SetOutputLimit(ClientType::kPubSub, convert(cfg.client_output_buffer_limit.pubsub));
}

void VisitCommand(const CommandSpec& spec,
                  const std::function<void(const CommandMetrics&)>& visit) {
  const CommandStats& s = spec.stats;
  CommandMetrics m;
  m.name = spec.full_name;
  m.calls = s.calls.load(std::memory_order_relaxed);
  m.usec = s.usec.load(std::memory_order_relaxed);
  m.failed_calls = s.failed_calls.load(std::memory_order_relaxed);
  m.rejected_calls = s.rejected_calls.load(std::memory_order_relaxed);
  m.latency = s.latency.load(std::memory_order_acquire);
  if (m.calls != 0 || m.failed_calls != 0 || m.rejected_calls != 0) visit(m);
  for (const CommandSpec& sub : spec.subcommands) VisitCommand(sub, visit);
}

void Add(std::vector<ExtraMetric>& out, std::string name, std::string help, ExtraMetric::Type type,
         double value) {
  ExtraMetric m;
  m.name = std::move(name);
  m.help = std::move(help);
  m.type = type;
  m.value = value;
  out.push_back(std::move(m));
}

void AddPersistence(std::vector<ExtraMetric>& out, const PersistenceInfo& i) {
  constexpr auto kGauge = ExtraMetric::Type::kGauge;
  constexpr auto kCounter = ExtraMetric::Type::kCounter;
  Add(out, "cairn_loading", "1 while warm-load fills the cache from the store", kGauge,
      i.loading ? 1 : 0);
  Add(out, "cairn_write_back_dirty_keys", "Keys written in memory, not yet flushed to the store",
      kGauge, static_cast<double>(i.dirty_keys));
  Add(out, "cairn_write_back_dirty_bytes", "Bytes of the dirty keys", kGauge,
      static_cast<double>(i.dirty_bytes));
  Add(out, "cairn_write_back_oldest_dirty_age_seconds", "Age of the oldest unflushed write", kGauge,
      static_cast<double>(i.oldest_dirty_age_ms) / 1000.0);
  Add(out, "cairn_write_back_flushes_total", "Write-back flush rounds that wrote keys", kCounter,
      static_cast<double>(i.flush.flushes));
  Add(out, "cairn_write_back_flushed_keys_total", "Keys written by write-back flushes", kCounter,
      static_cast<double>(i.flush.flushed_keys));
  Add(out, "cairn_write_back_flush_errors_total", "Write-back flush rounds that failed", kCounter,
      static_cast<double>(i.flush.flush_errors));
  Add(out, "cairn_write_back_last_flush_duration_seconds", "Duration of the last flush round",
      kGauge, static_cast<double>(i.flush.last_flush_duration_ms) / 1000.0);
  Add(out, "cairn_write_back_rejections_total", "Writes refused over write-back-hard-limit",
      kCounter, static_cast<double>(i.backpressure_rejections));
  Add(out, "cairn_store_errors_total", "Persistent store operations that failed", kCounter,
      static_cast<double>(i.tier_errors));
  Add(out, "cairn_store_up", "1 while the persistent store takes writes, 0 while it fails", kGauge,
      i.store.ok ? 1 : 0);
  Add(out, "cairn_store_recoveries_total", "Recoveries of the store from a failing state", kCounter,
      static_cast<double>(i.store.recoveries));
  Add(out, "cairn_read_through_hits_total", "Memory misses found in the store", kCounter,
      static_cast<double>(i.read_through_hits));
  Add(out, "cairn_read_through_misses_total", "Memory misses not in the store either", kCounter,
      static_cast<double>(i.read_through_misses));
  Add(out, "cairn_store_keys_estimate", "Keys in the persistent store (RocksDB's estimate)", kGauge,
      static_cast<double>(i.store_keys_estimate));
}

void AddPubSub(std::vector<ExtraMetric>& out, ObservabilityServices& s) {
  constexpr auto kGauge = ExtraMetric::Type::kGauge;
  Add(out, "cairn_pubsub_channels", "Channels with at least one subscriber", kGauge,
      static_cast<double>(s.hub.NumChannels()));
  Add(out, "cairn_pubsub_patterns", "Distinct patterns with at least one subscriber", kGauge,
      static_cast<double>(s.hub.NumPat()));
  Add(out, "cairn_pubsub_slow_subscriber_disconnections_total",
      "Subscribers closed for breaking client-output-buffer-limit pubsub",
      ExtraMetric::Type::kCounter, static_cast<double>(s.hub.slow_subscriber_disconnections()));
  Add(out, "cairn_monitors", "Connections in MONITOR mode", kGauge,
      static_cast<double>(s.monitors.size()));
  Add(out, "cairn_slowlog_length", "Entries in the slow log", kGauge,
      static_cast<double>(s.slowlog.Len()));
}

}  // namespace

ObservabilityServices::ObservabilityServices(EventBus& bus, const Clock& clock,
                                             const ServerConfig& cfg)
    : notifier(bus, hub, NotifierOptions()),
      slowlog(clock, cfg.slowlog_log_slower_than, static_cast<size_t>(cfg.slowlog_max_len)),
      tracking(&bus) {
  notifier.SetFlags(cfg.notify_keyspace_events);
  bundle.pubsub = &hub;
  bundle.notifier = &notifier;
  bundle.slowlog = &slowlog;
  bundle.monitors = &monitors;
  bundle.tracking = &tracking;
  tracking.SetMaxKeys(cfg.tracking_table_max_keys);
  bundle.latency_tracking.store(cfg.latency_tracking);
  SetOutputLimits(bundle, cfg);
}

void AddObservabilityHooks(ConfigApplyHooks& hooks, ObservabilityServices& s) {
  hooks["notify-keyspace-events"] = [&s](const ServerConfig& c) -> std::optional<std::string> {
    s.notifier.SetFlags(c.notify_keyspace_events);
    return std::nullopt;
  };
  hooks["slowlog-log-slower-than"] = [&s](const ServerConfig& c) -> std::optional<std::string> {
    s.slowlog.set_log_slower_than(c.slowlog_log_slower_than);
    return std::nullopt;
  };
  hooks["tracking-table-max-keys"] = [&s](const ServerConfig& c) -> std::optional<std::string> {
    s.tracking.SetMaxKeys(c.tracking_table_max_keys);
    return std::nullopt;
  };
  hooks["slowlog-max-len"] = [&s](const ServerConfig& c) -> std::optional<std::string> {
    s.slowlog.set_max_len(static_cast<size_t>(c.slowlog_max_len));
    return std::nullopt;
  };
  hooks["latency-tracking"] = [&s](const ServerConfig& c) -> std::optional<std::string> {
    s.bundle.latency_tracking.store(c.latency_tracking, std::memory_order_relaxed);
    return std::nullopt;
  };
  hooks["client-output-buffer-limit"] = [&s](const ServerConfig& c) -> std::optional<std::string> {
    SetOutputLimits(s.bundle, c);
    return std::nullopt;
  };
}

MetricsSource MakeMetricsSource(CacheManager& cache, Server& server, const CommandTable& table,
                                PersistenceService& persistence, EventBus& bus,
                                ObservabilityServices& services, const std::atomic<bool>& serving) {
  MetricsSource source;
  source.cache = [&cache] {
    const CacheStats st = cache.Stats();
    CacheMetrics m;
    m.items = st.items;
    m.bytes = st.bytes;
    m.expires = st.expires;
    m.max_items = cache.max_items();
    m.max_bytes = cache.max_bytes();
    m.hits = st.hits;
    m.misses = st.misses;
    m.expirations = st.expirations;
    m.evictions_size = st.evictions_size;
    m.evictions_items = st.evictions_items;
    m.oom_rejections = st.oom_rejections;
    m.expiry_lag_ms = st.expiry_lag_ms;
    m.policy = cache.policy();
    return m;
  };
  source.server = [&cache, &server] {
    ServerMetrics m;
    m.connected_clients = server.connected_clients();
    m.commands_processed = server.counters().total_commands.load(std::memory_order_relaxed);
    const int64_t up_ms = cache.clock().NowMs() - server.start_time_ms();
    m.uptime_seconds = up_ms > 0 ? static_cast<uint64_t>(up_ms / 1000) : 0;
    m.memory_used_bytes = cache.Stats().bytes;  // INFO's used_memory
    return m;
  };
  source.commands = [&table](const std::function<void(const CommandMetrics&)>& visit) {
    for (const CommandSpec& spec : table.all()) VisitCommand(spec, visit);
  };
  source.event_bus_dropped = [&bus] { return bus.dropped(); };
  source.extra = [&persistence, &services](std::vector<ExtraMetric>& out) {
    AddPersistence(out, persistence.Info());
    AddPubSub(out, services);
  };
  source.ready = [&persistence, &serving] {
    return serving.load(std::memory_order_acquire) && !persistence.loading() &&
           persistence.StoreOk();
  };
  source.not_ready_reason = [&persistence]() -> std::string {
    if (persistence.loading()) return "loading";
    if (!persistence.StoreOk())
      return "persistent store failing: " + persistence.Info().store.last_error;
    return "starting";
  };
  return source;
}

std::unique_ptr<PrometheusExporter> StartMetricsExporter(const ServerConfig& cfg,
                                                         MetricsSource source, std::string& error) {
  if (cfg.metrics_port == 0) return nullptr;
  auto exporter = std::make_unique<PrometheusExporter>(std::move(source));
  PrometheusExporterOptions options;
  options.bind = cfg.metrics_bind;
  options.port = static_cast<uint16_t>(cfg.metrics_port);
  if (auto err = exporter->Start(options)) {
    error = "cannot serve metrics on " + cfg.metrics_bind + ":" + std::to_string(cfg.metrics_port) +
            ": " + *err;
    return nullptr;
  }
  spdlog::info("metrics: /metrics, /healthz and /readyz on http://{}:{}", cfg.metrics_bind,
               exporter->port());
  return exporter;
}

}  // namespace cairn
