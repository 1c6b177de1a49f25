// What the Prometheus exporter reads at scrape time: plain structs filled by callbacks that the
// composition root (main) wires to CacheManager::Stats(), the server's counters and the command
// table. Every callback is optional (a missing one omits its series) and may be called from the
// exporter's HTTP threads, concurrently with everything else, so it must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn {

class LatencyHistogram;

struct CacheMetrics {
  uint64_t items = 0;
  uint64_t bytes = 0;
  uint64_t expires = 0;    // keys with a TTL
  uint64_t max_items = 0;  // 0 = unlimited
  uint64_t max_bytes = 0;  // maxmemory; 0 = unlimited
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t expirations = 0;
  uint64_t evictions_size = 0;   // cause: maxmemory
  uint64_t evictions_items = 0;  // cause: max-items
  uint64_t oom_rejections = 0;
  int64_t expiry_lag_ms = 0;
  std::string policy;  // eviction policy name (label of cairn_evictions_total)
};

struct ServerMetrics {
  uint64_t connected_clients = 0;
  uint64_t commands_processed = 0;
  uint64_t uptime_seconds = 0;
  uint64_t memory_used_bytes = 0;  // what INFO memory reports as used_memory
};

// One row per command that has been called.
struct CommandMetrics {
  std::string_view name;  // lower case, e.g. "get", "client|list"
  uint64_t calls = 0;
  uint64_t usec = 0;  // total time (INFO commandstats usec)
  uint64_t failed_calls = 0;
  uint64_t rejected_calls = 0;
  const LatencyHistogram* latency = nullptr;  // may be null
};

// A series that has no dedicated field yet (persistence: dirty backlog, flush latency, snapshot
// durations ...). Samples with the same name form one family; name and labels must be valid
// Prometheus identifiers.
struct ExtraMetric {
  enum class Type : uint8_t { kCounter, kGauge };
  std::string name;
  std::string help;
  Type type = Type::kGauge;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct MetricsSource {
  std::function<CacheMetrics()> cache;
  std::function<ServerMetrics()> server;
  // Calls `visit` once per command row.
  std::function<void(const std::function<void(const CommandMetrics&)>& visit)> commands;
  std::function<uint64_t()> event_bus_dropped;
  std::function<void(std::vector<ExtraMetric>& out)> extra;
  // /readyz: true once serving (not loading a snapshot, the persistent store taking writes).
  // Missing = always ready. not_ready_reason: the body of the 503 (missing = "loading").
  std::function<bool()> ready;
  std::function<std::string()> not_ready_reason;
};

}  // namespace cairn
