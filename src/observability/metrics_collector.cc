// MetricsCollector: MetricsSource -> Prometheus metric families, at scrape time.
//
// Nothing here runs per request; a scrape costs one call of each callback and one pass over
// each called command's latency histogram (3840 counters). Names follow redis_exporter
// (github.com/oliver006/redis_exporter) where an equivalent exists.
#include "metrics_collector.h"

#include <cmath>
#include <limits>
#include <map>

#include "cairn/observability/latency_histogram.h"

namespace cairn {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

class Families {
 public:
  MetricFamily& Get(const std::string& name, const std::string& help, MetricType type) {
    auto [it, inserted] = index_.try_emplace(name, out_.size());
    if (inserted) out_.push_back(MetricFamily{name, help, type, {}});
    return out_[it->second];
  }
  void Counter(const std::string& name, const std::string& help, double v, Labels labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.counter.value = v;
    Get(name, help, MetricType::Counter).metric.push_back(std::move(m));
  }
  void Gauge(const std::string& name, const std::string& help, double v, Labels labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = v;
    Get(name, help, MetricType::Gauge).metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> Take() { return std::move(out_); }

 private:
  std::vector<MetricFamily> out_;
  std::map<std::string, size_t> index_;
};

double D(uint64_t v) { return static_cast<double>(v); }

void AddCache(Families& f, const CacheMetrics& c) {
  f.Counter("redis_keyspace_hits_total", "Successful key lookups", D(c.hits));
  f.Counter("redis_keyspace_misses_total", "Failed key lookups", D(c.misses));
  f.Counter("redis_evicted_keys_total", "Keys evicted to make room",
            D(c.evictions_size + c.evictions_items));
  f.Counter("redis_expired_keys_total", "Keys removed because their TTL passed", D(c.expirations));
  f.Gauge("redis_memory_max_bytes", "maxmemory (0 = unlimited)", D(c.max_bytes));
  f.Gauge("redis_db_keys", "Keys in the database", D(c.items), {{"db", "db0"}});
  f.Gauge("redis_db_keys_expiring", "Keys with a TTL in the database", D(c.expires),
          {{"db", "db0"}});
  const std::string& policy = c.policy.empty() ? std::string("unknown") : c.policy;
  f.Counter("cairn_evictions_total", "Evictions by policy and cause", D(c.evictions_size),
            {{"cause", "size"}, {"policy", policy}});
  f.Counter("cairn_evictions_total", "Evictions by policy and cause", D(c.evictions_items),
            {{"cause", "items"}, {"policy", policy}});
  f.Counter("cairn_expirations_total", "Keys expired (lazily or by active expiry)",
            D(c.expirations));
  f.Counter("cairn_oom_rejections_total", "Writes refused for lack of room", D(c.oom_rejections));
  f.Gauge("cairn_items", "Resident items", D(c.items));
  f.Gauge("cairn_bytes", "Resident bytes (accounted)", D(c.bytes));
  f.Gauge("cairn_max_items", "max-items (0 = unlimited)", D(c.max_items));
  f.Gauge("cairn_max_bytes", "maxmemory in bytes (0 = unlimited)", D(c.max_bytes));
  f.Gauge("cairn_expiry_lag_seconds", "Worst lateness of active expiry in its last cycle",
          static_cast<double>(c.expiry_lag_ms) / 1000.0);
}

void AddServer(Families& f, const ServerMetrics& s) {
  f.Gauge("redis_uptime_in_seconds", "Seconds since the server started", D(s.uptime_seconds));
  f.Gauge("redis_connected_clients", "Client connections", D(s.connected_clients));
  f.Gauge("redis_memory_used_bytes", "Memory used (INFO used_memory)", D(s.memory_used_bytes));
  f.Counter("redis_commands_processed_total", "Commands processed", D(s.commands_processed));
}

void AddHistogram(Families& f, const CommandMetrics& c) {
  const LatencyHistogram::Snapshot snap = c.latency->Take();
  if (snap.total == 0) return;
  ClientMetric m;
  m.label = {{"cmd", std::string(c.name)}};
  m.histogram.sample_count = snap.total;
  m.histogram.sample_sum = static_cast<double>(snap.sum_ns) / 1e9;
  for (double le : MetricsCollector::DurationBuckets()) {
    const auto ns = static_cast<uint64_t>(std::llround(le * 1e9));
    m.histogram.bucket.push_back({snap.CountAtOrBelow(ns), le});
  }
  m.histogram.bucket.push_back({snap.total, std::numeric_limits<double>::infinity()});
  f.Get("cairn_command_duration_seconds", "Command execution time", MetricType::Histogram)
      .metric.push_back(std::move(m));
}

void AddCommand(Families& f, const CommandMetrics& c) {
  if (c.calls == 0 && c.failed_calls == 0 && c.rejected_calls == 0) return;
  const std::string cmd(c.name);
  f.Counter("redis_commands_total", "Calls per command", D(c.calls), {{"cmd", cmd}});
  f.Counter("redis_commands_duration_seconds_total", "Total execution time per command",
            D(c.usec) / 1e6, {{"cmd", cmd}});
  f.Counter("redis_commands_failed_calls_total", "Calls that failed during execution",
            D(c.failed_calls), {{"cmd", cmd}});
  f.Counter("redis_commands_rejected_calls_total", "Calls rejected before execution",
            D(c.rejected_calls), {{"cmd", cmd}});
  f.Counter("cairn_commands_total", "Calls per command", D(c.calls), {{"cmd", cmd}});
  if (c.latency != nullptr) AddHistogram(f, c);
}

void AddExtra(Families& f, std::vector<ExtraMetric>& extra) {
  for (ExtraMetric& e : extra) {
    Labels labels;
    for (auto& [k, v] : e.labels) labels.push_back({std::move(k), std::move(v)});
    if (e.type == ExtraMetric::Type::kCounter) {
      f.Counter(e.name, e.help, e.value, std::move(labels));
    } else {
      f.Gauge(e.name, e.help, e.value, std::move(labels));
    }
  }
}

}  // namespace

const std::vector<double>& MetricsCollector::DurationBuckets() {
  static const std::vector<double> kBuckets = {1e-5,   2.5e-5, 5e-5, 1e-4,   2.5e-4, 5e-4, 1e-3,
                                               2.5e-3, 5e-3,   1e-2, 2.5e-2, 5e-2,   0.1,  0.25,
                                               0.5,    1,      2.5,  5,      10};
  return kBuckets;
}

std::vector<MetricFamily> MetricsCollector::Collect() const {
  Families f;
  f.Gauge("redis_up", "1 when the server answers", 1);
  if (source_.server) AddServer(f, source_.server());
  if (source_.cache) AddCache(f, source_.cache());
  if (source_.commands) source_.commands([&](const CommandMetrics& c) { AddCommand(f, c); });
  if (source_.event_bus_dropped) {
    f.Counter("cairn_event_bus_dropped_total",
              "Events dropped because the event bus queue was full",
              D(source_.event_bus_dropped()));
  }
  if (source_.extra) {
    std::vector<ExtraMetric> extra;
    source_.extra(extra);
    AddExtra(f, extra);
  }
  return f.Take();
}

}  // namespace cairn
