// Observability keys (issue 5): the Prometheus endpoint, keyspace notifications, SLOWLOG, client
// output buffer limits, latency tracking and log format / rotation. config/cairn.conf's
// OBSERVABILITY and LOGGING sections document them in prose.
//
// Fixed after startup: metrics-port and metrics-bind (the HTTP listener opens once). Every other
// key here may change at run time.
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "cairn/common/strings.h"
#include "config_file.h"
#include "config_rows.h"
#include "keyspace_events.h"

namespace cairn::config_internal {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

ConfigSpec MetricsBindRow() {
  ConfigSpec row = StringRow("metrics-bind", &ServerConfig::metrics_bind, false, false, "ADDR",
                             "IP address of the metrics endpoint");
  row.set = [](std::string_view v, const ConfigChoices&,
               ServerConfig& cfg) -> std::optional<ValueError> {
    const char* expected = "one IP address like 127.0.0.1, 0.0.0.0 or ::";
    std::string addr(v);
    if (addr.empty()) return ValueError{"argument can't be empty", expected};
    if (!IsIpLiteral(addr)) return ValueError{"Invalid bind address '" + addr + "'", expected};
    cfg.metrics_bind = std::move(addr);
    return std::nullopt;
  };
  return row;
}

ConfigSpec NotifyKeyspaceEventsRow() {
  ConfigSpec row;
  row.name = "notify-keyspace-events";
  row.type_name = "FLAGS";
  row.help = "keyspace notification classes, Redis's flags (e.g. KEA, Ex; empty = off)";
  row.runtime = true;
  row.set = [](std::string_view v, const ConfigChoices&,
               ServerConfig& cfg) -> std::optional<ValueError> {
    std::optional<uint32_t> flags = ParseKeyspaceEvents(v);
    if (!flags) {
      return ValueError{"Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
                        "characters from Ag$lshzxeKEtmdn, like KEA or Ex (\"\" = off)"};
    }
    cfg.notify_keyspace_events = *flags;
    return std::nullopt;
  };
  row.get = [](const ServerConfig& cfg) {
    return FormatKeyspaceEvents(cfg.notify_keyspace_events);
  };
  row.file_value = [](const ServerConfig& cfg) {
    return QuoteConfigValue(FormatKeyspaceEvents(cfg.notify_keyspace_events));
  };
  return row;
}

// Redis's getClientTypeByName, less "master" (which has no buffer limit).
ClientOutputBufferLimits::Limit* LimitForClass(std::string_view name,
                                               ClientOutputBufferLimits& limits) {
  if (EqualsIgnoreCase(name, "normal")) return &limits.normal;
  if (EqualsIgnoreCase(name, "replica") || EqualsIgnoreCase(name, "slave")) return &limits.replica;
  if (EqualsIgnoreCase(name, "pubsub")) return &limits.pubsub;
  return nullptr;
}

// soft_seconds as Redis reads it (strtoll, the whole token), limited to an int like Redis's.
std::optional<int64_t> ParseSoftSeconds(const std::string& token) {
  if (token.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(token.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || n < 0 || n > INT_MAX) return std::nullopt;
  return n;
}

// "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" (CONFIG GET, bytes) or
// "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60" (config file, units).
std::string FormatBufferLimits(const ClientOutputBufferLimits& limits, bool file_form) {
  auto size = [file_form](uint64_t n) { return file_form ? FormatSize(n) : std::to_string(n); };
  std::string out;
  const std::pair<const char*, const ClientOutputBufferLimits::Limit*> classes[] = {
      {"normal", &limits.normal},
      {file_form ? "replica" : "slave", &limits.replica},
      {"pubsub", &limits.pubsub}};
  for (const auto& [name, limit] : classes) {
    if (!out.empty()) out += ' ';
    out += name;
    out += ' ' + size(limit->hard_bytes) + ' ' + size(limit->soft_bytes) + ' ' +
           std::to_string(limit->soft_seconds);
  }
  return out;
}

ConfigSpec ClientOutputBufferLimitRow() {
  ConfigSpec row;
  row.name = "client-output-buffer-limit";
  row.type_name = "CLASS HARD SOFT SECONDS...";
  row.help = "per client class: disconnect at HARD bytes pending, or SOFT for SECONDS";
  row.runtime = true;
  row.multi = true;
  row.accumulate = true;
  row.set = [](std::string_view v, const ConfigChoices&,
               ServerConfig& cfg) -> std::optional<ValueError> {
    const char* expected =
        "groups of <class> <hard> <soft> <soft-seconds>, class normal, replica or pubsub, "
        "like 'pubsub 32mb 8mb 60'";
    std::vector<std::string> args = SplitWhitespace(v);
    if (args.size() % 4 != 0) {
      return ValueError{"Wrong number of arguments in buffer limit configuration.", expected};
    }
    // All classes are checked before any changes, as in Redis: the value is taken whole or not.
    ClientOutputBufferLimits limits = cfg.client_output_buffer_limit;
    for (size_t i = 0; i < args.size(); i += 4) {
      ClientOutputBufferLimits::Limit* limit = LimitForClass(args[i], limits);
      if (limit == nullptr) {
        return ValueError{"Invalid client class specified in buffer limit configuration.",
                          expected};
      }
      std::optional<uint64_t> hard = ParseMemory(args[i + 1]);
      std::optional<uint64_t> soft = ParseMemory(args[i + 2]);
      std::optional<int64_t> seconds = ParseSoftSeconds(args[i + 3]);
      if (!hard || !soft || !seconds) {
        return ValueError{
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.", expected};
      }
      *limit = ClientOutputBufferLimits::Limit{*hard, *soft, *seconds};
    }
    cfg.client_output_buffer_limit = limits;
    return std::nullopt;
  };
  row.get = [](const ServerConfig& cfg) {
    return FormatBufferLimits(cfg.client_output_buffer_limit, false);
  };
  row.file_value = [](const ServerConfig& cfg) {
    return FormatBufferLimits(cfg.client_output_buffer_limit, true);
  };
  return row;
}

}  // namespace

void AppendObservabilitySpecs(std::vector<ConfigSpec>& rows) {
  rows.push_back(IntRow("metrics-port", &ServerConfig::metrics_port, 0, 65535, false,
                        "HTTP port for /metrics, /healthz and /readyz (0 = off)"));
  rows.push_back(MetricsBindRow());
  rows.push_back(NotifyKeyspaceEventsRow());
  rows.push_back(IntRow("slowlog-log-slower-than", &ServerConfig::slowlog_log_slower_than, -1,
                        kInt64Max, true,
                        "SLOWLOG commands slower than this many microseconds (-1 = off)"));
  rows.push_back(CountRow("slowlog-max-len", &ServerConfig::slowlog_max_len,
                          static_cast<uint64_t>(kInt64Max), true, "entries SLOWLOG keeps",
                          "a non-negative integer"));
  rows.push_back(CountRow("tracking-table-max-keys", &ServerConfig::tracking_table_max_keys,
                          static_cast<uint64_t>(kInt64Max), true,
                          "keys CLIENT TRACKING remembers for invalidation (0 = no bound)",
                          "a non-negative integer"));
  rows.push_back(ClientOutputBufferLimitRow());
  rows.push_back(BoolRow("latency-tracking", &ServerConfig::latency_tracking, true,
                         "per-command latency percentiles in INFO latencystats"));
  rows.push_back(ChoiceRow("log-format", &ServerConfig::log_format,
                           {{"text", "text"}, {"json", "json"}}, true,
                           "log lines as text or as JSON objects"));
  rows.push_back(SizeRow("log-max-size", &ServerConfig::log_max_size, 0, UINT64_MAX, true,
                         "rotate log-file when it reaches this size (0 = never)"));
  rows.push_back(IntRow("log-max-files", &ServerConfig::log_max_files, 1, 1000, true,
                        "rotated log files kept"));
}

}  // namespace cairn::config_internal
