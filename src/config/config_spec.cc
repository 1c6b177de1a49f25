#include "config_spec.h"

#include <algorithm>
#include <climits>
#include <limits>

#include "cairn/common/strings.h"
#include "config_rows.h"

namespace cairn::config_internal {
namespace {

// maxmemory-clients: a size, or a percentage of maxmemory ("10%"), stored negated as Redis does.
ConfigSpec MaxMemoryClientsRow() {
  ConfigSpec row;
  row.name = "maxmemory-clients";
  row.type_name = "SIZE|PERCENT";
  row.help = "memory all client buffers may use together (0 = no limit; 10% = of maxmemory)";
  row.runtime = true;
  row.set = [](std::string_view v, const ConfigChoices&,
               ServerConfig& cfg) -> std::optional<ValueError> {
    static const ValueError kError{"argument must be a memory or percent value",
                                   "a size like 1gb, or a percentage of maxmemory like 10%"};
    if (!v.empty() && v.back() == '%') {
      const std::optional<int64_t> pct = ParseInt64(v.substr(0, v.size() - 1));
      if (!pct || *pct < 0 || *pct > 100) return kError;
      cfg.maxmemory_clients = -*pct;
      return std::nullopt;
    }
    uint64_t n = 0;
    if (ParseSizeInRange(v, 0, static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), n)) {
      return kError;
    }
    cfg.maxmemory_clients = static_cast<int64_t>(n);
    return std::nullopt;
  };
  row.get = [](const ServerConfig& cfg) {
    return cfg.maxmemory_clients < 0 ? std::to_string(-cfg.maxmemory_clients) + "%"
                                     : std::to_string(cfg.maxmemory_clients);
  };
  row.file_value = [](const ServerConfig& cfg) {
    return cfg.maxmemory_clients < 0 ? std::to_string(-cfg.maxmemory_clients) + "%"
                                     : FormatSize(static_cast<uint64_t>(cfg.maxmemory_clients));
  };
  return row;
}

constexpr uint64_t kKb = 1024;
constexpr uint64_t kMb = 1024 * kKb;
constexpr uint64_t kGb = 1024 * kMb;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

std::string RangeError(auto lo, auto hi) {
  return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
         " inclusive";
}

// The Cairn policy a name stands for: a Redis name (allkeys-lru) maps to its Cairn policy (lru),
// any other name to itself, lower case.
std::string CairnPolicyName(std::string_view name, const ConfigChoices& choices) {
  for (const auto& [cairn, redis] : choices.redis_policy_names) {
    if (EqualsIgnoreCase(redis, name)) return Lower(cairn);
  }
  return Lower(name);
}

std::vector<ConfigSpec> BuildSpecs() {
  std::vector<ConfigSpec> rows;

  ConfigSpec bind;
  bind.name = "bind";
  bind.type_name = "ADDR...";
  bind.help = "IP addresses to listen on (0.0.0.0 / :: for every interface)";
  bind.multi = true;
  bind.set = [](std::string_view v, const ConfigChoices&,
                ServerConfig& cfg) -> std::optional<ValueError> {
    const char* expected = "one or more IP addresses like 127.0.0.1 ::1";
    std::vector<std::string> addrs = SplitWhitespace(v);
    if (addrs.empty()) return ValueError{"argument can't be empty", expected};
    for (const std::string& a : addrs) {
      if (!IsIpLiteral(a)) return ValueError{"Invalid bind address '" + a + "'", expected};
    }
    cfg.bind = std::move(addrs);
    return std::nullopt;
  };
  bind.get = [](const ServerConfig& cfg) { return Join(cfg.bind, " "); };
  bind.file_value = bind.get;
  rows.push_back(std::move(bind));

  rows.push_back(
      IntRow("port", &ServerConfig::port, 0, 65535, false,
             "TCP port (0 = any free port, logged; with tls-port set, 0 = no plain TCP)"));
  rows.push_back(IntRow(
      "io-threads", &ServerConfig::io_threads, 0, 1024, false,
      "I/O threads, each with its own event loop (0 = auto: 1 on <= 2 cores, else cores - 1)"));
  rows.push_back(IntRow("shards", &ServerConfig::shards, 1, 65536, false,
                        "cache shards (rounded up to a power of two)"));
  rows.push_back(SizeRow("maxmemory", &ServerConfig::maxmemory, 0, UINT64_MAX, true,
                         "memory limit for keys and values (0 = no limit)"));
  rows.push_back(CountRow("max-items", &ServerConfig::max_items, UINT64_MAX, true,
                          "limit on the number of keys (0 = no limit)",
                          "a non-negative integer (0 = no limit)"));

  ConfigSpec policy;
  policy.name = "eviction-policy";
  policy.aliases = {"maxmemory-policy"};
  policy.type_name = "POLICY";
  policy.help = "which key to evict when a limit is reached";
  policy.runtime = true;
  policy.set = [](std::string_view v, const ConfigChoices& choices,
                  ServerConfig& cfg) -> std::optional<ValueError> {
    // A Redis name (allkeys-lru) is stored as the Cairn policy it names (lru).
    std::string stored = CairnPolicyName(v, choices);
    const auto& names = choices.eviction_policies;
    if (names.empty()) {
      if (v.empty()) return ValueError{"argument can't be empty", "an eviction policy name"};
      cfg.eviction_policy = std::move(stored);
      return std::nullopt;
    }
    auto listed = [&names](std::string_view name) {
      return std::any_of(names.begin(), names.end(),
                         [name](const std::string& n) { return EqualsIgnoreCase(n, name); });
    };
    // Either spelling may be the listed one: what maxmemory-policy shows is always accepted.
    if (!listed(stored)) {
      if (!listed(v)) {
        return ValueError{"argument(s) must be one of the following: " + Join(names, ", "),
                          "one of " + Join(names, ", ")};
      }
      stored = Lower(v);
    }
    cfg.eviction_policy = std::move(stored);
    return std::nullopt;
  };
  policy.get = [](const ServerConfig& cfg) { return cfg.eviction_policy; };
  policy.file_value = policy.get;
  // CONFIG GET maxmemory-policy answers Redis's name, as INFO's maxmemory_policy does.
  policy.get_as = [](std::string_view alias, const ServerConfig& cfg,
                     const ConfigChoices& choices) {
    if (!EqualsIgnoreCase(alias, "maxmemory-policy")) return cfg.eviction_policy;
    for (const auto& [cairn, redis] : choices.redis_policy_names) {
      if (cairn == cfg.eviction_policy) return redis;
    }
    return cfg.eviction_policy;
  };
  rows.push_back(std::move(policy));

  rows.push_back(StringRow("requirepass", &ServerConfig::requirepass, true, true, "PASSWORD",
                           "password clients must send with AUTH (empty = no password)"));
  rows.push_back(StringRow("aclfile", &ServerConfig::aclfile, true, false, "PATH",
                           "ACL users file, loaded at startup and by ACL LOAD (empty = none)"));
  rows.push_back(IntRow("acllog-max-len", &ServerConfig::acllog_max_len, 0, INT64_MAX, true,
                        "ACL LOG entries kept"));
  rows.push_back(IntRow("timeout", &ServerConfig::timeout, 0, INT_MAX, true,
                        "close connections idle for this many seconds (0 = never)"));
  rows.push_back(IntRow("maxclients", &ServerConfig::maxclients, 1, INT_MAX, true,
                        "maximum number of connected clients"));
  rows.push_back(BoolRow("protected-mode", &ServerConfig::protected_mode, true,
                         "with no password, serve only clients on 127.0.0.1 and ::1"));
  rows.push_back(SizeRow("proto-max-bulk-len", &ServerConfig::proto_max_bulk_len, kMb,
                         static_cast<uint64_t>(kInt64Max), true,
                         "largest bulk string a client may send"));
  rows.push_back(SizeRow("client-query-buffer-limit", &ServerConfig::client_query_buffer_limit, kMb,
                         static_cast<uint64_t>(kInt64Max), true,
                         "largest unparsed input buffered per client"));
  rows.push_back(MaxMemoryClientsRow());

  ConfigSpec level = ChoiceRow("log-level", &ServerConfig::log_level,
                               {{"trace", "trace"},
                                {"debug", "debug"},
                                {"info", "info"},
                                {"warn", "warn"},
                                {"error", "error"},
                                {"critical", "critical"},
                                {"off", "off"},
                                {"verbose", "debug"},
                                {"notice", "info"},
                                {"warning", "warn"}},
                               true, "log verbosity (Redis's names are accepted too)");
  level.aliases = {"loglevel"};
  rows.push_back(std::move(level));

  ConfigSpec file = StringRow("log-file", &ServerConfig::log_file, true, false, "FILE",
                              "log to this file (empty = standard error)");
  file.aliases = {"logfile"};
  rows.push_back(std::move(file));

  ConfigSpec dir = StringRow("data-dir", &ServerConfig::data_dir, false, false, "DIR",
                             "directory for persistent data (RocksDB, snapshots)");
  dir.aliases = {"dir"};
  rows.push_back(std::move(dir));

  rows.push_back(IntRow("hz", &ServerConfig::hz, 1, 500, true,
                        "background cycles per second (active expiry, timeouts)"));
  AppendPersistenceSpecs(rows);
  AppendObservabilitySpecs(rows);
  AppendClusterSpecs(rows);
  AppendTlsSpecs(rows);
  AppendCompatSpecs(rows);
  return rows;
}

}  // namespace

const std::vector<ConfigSpec>& ConfigSpecs() {
  static const std::vector<ConfigSpec> specs = BuildSpecs();
  return specs;
}

const ConfigSpec* FindConfigSpec(std::string_view name) {
  for (const ConfigSpec& spec : ConfigSpecs()) {
    if (EqualsIgnoreCase(spec.name, name)) return &spec;
    for (const std::string& alias : spec.aliases) {
      if (EqualsIgnoreCase(alias, name)) return &spec;
    }
  }
  return nullptr;
}

std::string InvalidValueMessage(std::string_view key, std::string_view value,
                                const ValueError& error) {
  return "invalid value '" + std::string(value) + "' for '" + std::string(key) + "': expected " +
         error.expected;
}

std::optional<std::string> ParseIntInRange(std::string_view s, int64_t lo, int64_t hi,
                                           int64_t& out) {
  std::optional<int64_t> n = ParseInt64(s);
  if (!n) return "argument couldn't be parsed into an integer";
  if (*n < lo || *n > hi) return RangeError(lo, hi);
  out = *n;
  return std::nullopt;
}

std::optional<std::string> ParseUintInRange(std::string_view s, uint64_t lo, uint64_t hi,
                                            uint64_t& out) {
  // Like Redis: parse as a signed number first, so "-1" is out of range, not unparsable.
  std::optional<uint64_t> n;
  if (std::optional<int64_t> signed_n = ParseInt64(s)) {
    if (*signed_n < 0) return RangeError(lo, hi);
    n = static_cast<uint64_t>(*signed_n);
  } else {
    n = ParseUint64(s);
  }
  if (!n) return "argument couldn't be parsed into an integer";
  if (*n < lo || *n > hi) return RangeError(lo, hi);
  out = *n;
  return std::nullopt;
}

std::optional<std::string> ParseSizeInRange(std::string_view s, uint64_t lo, uint64_t hi,
                                            uint64_t& out) {
  std::optional<uint64_t> n = ParseMemory(s);
  if (!n) return "argument must be a memory value";
  if (*n < lo || *n > hi) return RangeError(lo, hi);
  out = *n;
  return std::nullopt;
}

std::optional<std::string> ParseYesNo(std::string_view s, bool& out) {
  if (EqualsIgnoreCase(s, "yes")) {
    out = true;
  } else if (EqualsIgnoreCase(s, "no")) {
    out = false;
  } else {
    return "argument must be 'yes' or 'no'";
  }
  return std::nullopt;
}

std::string FormatSize(uint64_t bytes) {
  if (bytes == 0) return "0";
  if (bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

}  // namespace cairn::config_internal
