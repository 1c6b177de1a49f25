// INFO (Redis 7.0 src/server.c genRedisInfoString wording): Redis's sections and field names
// (redis_version says 7.0.0 so that clients which gate features on it behave), cairn_* fields for
// what only Cairn has, and a `cairn` section (InfoCairn). Registered with the server commands.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/acl.h"
#include "cairn/command/families.h"
#include "cairn/command/observability.h"
#include "cairn/common/strings.h"
#include "cairn/config/config_registry.h"
#include "cairn/persistence/persistence_service.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "cairn/pubsub/tracking.h"
#include "command_observer.h"
#include "info_command.h"
#include "replies.h"
#include "script_engine.h"
#include "spec_builder.h"

namespace cairn {
namespace {

constexpr std::string_view kRedisVersion = "7.0.0";
constexpr std::string_view kCairnVersion = "0.1.0";

// --- INFO ---

enum InfoSection : uint32_t {
  kInfoServer = 1u << 0,
  kInfoClients = 1u << 1,
  kInfoMemory = 1u << 2,
  kInfoPersistence = 1u << 3,
  kInfoStats = 1u << 4,
  kInfoReplication = 1u << 5,
  kInfoCpu = 1u << 6,
  kInfoCommandStats = 1u << 7,
  kInfoCluster = 1u << 8,
  kInfoKeyspace = 1u << 9,
  kInfoLatencyStats = 1u << 10,
  kInfoCairn = 1u << 11,
};
constexpr uint32_t kInfoAll = (1u << 12) - 1;
constexpr uint32_t kInfoDefault = kInfoAll & ~(kInfoCommandStats | kInfoLatencyStats);

uint32_t ParseInfoSections(Args args) {
  if (args.size() < 2) return kInfoDefault;
  static constexpr std::pair<std::string_view, uint32_t> kNames[] = {
      {"server", kInfoServer},
      {"clients", kInfoClients},
      {"memory", kInfoMemory},
      {"persistence", kInfoPersistence},
      {"stats", kInfoStats},
      {"replication", kInfoReplication},
      {"cpu", kInfoCpu},
      {"commandstats", kInfoCommandStats},
      {"cluster", kInfoCluster},
      {"keyspace", kInfoKeyspace},
      {"latencystats", kInfoLatencyStats},
      {"cairn", kInfoCairn},
      {"default", kInfoDefault},
      {"all", kInfoAll},
      {"everything", kInfoAll},
  };
  uint32_t mask = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    for (const auto& [name, bits] : kNames) {
      if (EqualsIgnoreCase(args[i], name)) mask |= bits;
    }
  }
  return mask;
}

// Redis's bytesToHuman: 1023B, 1.00K, 1.50M ...
std::string BytesToHuman(uint64_t n) {
  static constexpr const char* kUnits = "KMGTPE";
  if (n < 1024) return std::to_string(n) + "B";
  double d = static_cast<double>(n) / 1024;
  int unit = 0;
  while (d >= 1024 && unit < 5) {
    d /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f%c", d, kUnits[unit]);
  return buf;
}

// Redis's instantaneous_*_kbps: bytes per second as KiB per second, two decimals.
std::string Kbps(uint64_t bytes_per_sec) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", static_cast<double>(bytes_per_sec) / 1024);
  return buf;
}

// The Redis name of a Cairn policy (maxmemory_policy): lru -> allkeys-lru ...
std::string RedisPolicyName(const std::string& policy) {
  if (policy == "lru" || policy == "lfu" || policy == "random") return "allkeys-" + policy;
  if (policy == "none") return "noeviction";
  return policy;
}

uint64_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// A stable 40-hex-digit id for this server instance (run_id, master_replid).
std::string RunId(int64_t start_ms) {
  uint64_t a =
      static_cast<uint64_t>(getpid()) * 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(start_ms);
  std::string out;
  for (int i = 0; i < 3; ++i) {
    a ^= a >> 33;
    a *= 0xff51afd7ed558ccdull;
    a ^= a >> 33;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(a));
    out += buf;
  }
  out.resize(40);
  return out;
}

class InfoWriter {
 public:
  void Section(std::string_view title) {
    if (!out_.empty()) out_.append("\r\n");
    out_.append("# ").append(title).append("\r\n");
  }
  void Field(std::string_view key, std::string_view value) {
    out_.append(key).append(":").append(value).append("\r\n");
  }
  void Field(std::string_view key, const char* value) { Field(key, std::string_view(value)); }
  void Field(std::string_view key, const std::string& value) {
    Field(key, std::string_view(value));
  }
  template <typename T>
  requires std::is_integral_v<T>
  void Field(std::string_view key, T value) { Field(key, std::string_view(std::to_string(value))); }
  std::string& text() { return out_; }

 private:
  std::string out_;
};

void InfoServer(CommandContext& ctx, InfoWriter& w, int64_t now_ms, const std::string& hz) {
  utsname name{};
  uname(&name);
  const int64_t start = ctx.server.start_time_ms();
  const int64_t uptime_s = (now_ms - start) / 1000;
  w.Section("Server");
  w.Field("redis_version", kRedisVersion);
  w.Field("cairn_version", kCairnVersion);
  w.Field("redis_git_sha1", "00000000");
  w.Field("redis_git_dirty", 0);
  w.Field("redis_build_id", "0");
  w.Field("redis_mode", ctx.cluster != nullptr ? "cluster" : "standalone");
  w.Field("os", std::string(name.sysname) + " " + name.release + " " + name.machine);
  w.Field("arch_bits", sizeof(void*) * 8);
  w.Field("monotonic_clock", "POSIX clock_gettime");
  w.Field("multiplexing_api", "epoll");
#if defined(__GNUC__) && !defined(__clang__)
  w.Field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                             std::to_string(__GNUC_PATCHLEVEL__));
#endif
  w.Field("process_id", getpid());
  w.Field("process_supervised", "no");
  w.Field("run_id", RunId(start));
  w.Field("tcp_port", ctx.server.port());
  w.Field("server_time_usec", now_ms * 1000);
  w.Field("uptime_in_seconds", uptime_s);
  w.Field("uptime_in_days", uptime_s / 86400);
  if (!hz.empty()) {
    w.Field("hz", hz);
    w.Field("configured_hz", hz);
  }
  w.Field("config_file", ctx.server.config_file());
  w.Field("io_threads_active", 0);
}

void InfoMemory(CommandContext& ctx, InfoWriter& w, const CacheStats& stats) {
  const uint64_t max_bytes = ctx.cache.max_bytes();
  const uint64_t rss = ResidentBytes();
  // used_memory is what maxmemory counts, as in Redis (what eviction keeps under the limit): the
  // entries' charges, the eviction policy's metadata and the external charges (script cache,
  // tracking table). used_memory_dataset is the entries alone.
  const uint64_t used = stats.bytes + stats.policy_metadata_bytes +
                        static_cast<uint64_t>(std::max<int64_t>(0, ctx.cache.external_bytes()));
  w.Section("Memory");
  w.Field("used_memory", used);
  w.Field("used_memory_human", BytesToHuman(used));
  w.Field("used_memory_rss", rss);
  w.Field("used_memory_rss_human", BytesToHuman(rss));
  w.Field("used_memory_dataset", stats.bytes);
  w.Field("mem_clients_slaves", 0);
  w.Field("mem_clients_normal", ctx.server.clients_memory());
  const ScriptEngine& scripts = ctx.server.scripting();  // Redis 7.0's script memory fields
  w.Field("used_memory_lua", scripts.lua_bytes());
  w.Field("used_memory_lua_human", BytesToHuman(scripts.lua_bytes()));
  w.Field("used_memory_scripts_eval", scripts.script_bytes());
  w.Field("number_of_cached_scripts", scripts.scripts());
  w.Field("used_memory_scripts", scripts.script_bytes());
  w.Field("used_memory_scripts_human", BytesToHuman(scripts.script_bytes()));
  w.Field("maxmemory", max_bytes);
  w.Field("maxmemory_human", BytesToHuman(max_bytes));
  w.Field("maxmemory_policy", RedisPolicyName(ctx.cache.policy()));
  w.Field("cairn_max_items", ctx.cache.max_items());
  w.Field("cairn_policy_metadata_bytes", stats.policy_metadata_bytes);
}

void InfoStats(CommandContext& ctx, InfoWriter& w, const CacheStats& stats) {
  const ServerCounters& c = ctx.server.counters();
  auto load = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  w.Section("Stats");
  w.Field("total_connections_received", load(c.total_connections));
  w.Field("total_commands_processed", load(c.total_commands));
  w.Field("instantaneous_ops_per_sec", c.ops_per_sec.PerSecond());
  w.Field("total_net_input_bytes", load(c.net_input_bytes));
  w.Field("total_net_output_bytes", load(c.net_output_bytes));
  w.Field("instantaneous_input_kbps", Kbps(c.input_bytes_per_sec.PerSecond()));
  w.Field("instantaneous_output_kbps", Kbps(c.output_bytes_per_sec.PerSecond()));
  w.Field("rejected_connections", load(c.rejected_connections));
  w.Field("client_output_buffer_limit_disconnections", load(c.output_buffer_limit_disconnections));
  w.Field("expired_keys", stats.expirations);
  w.Field("evicted_keys", stats.evictions);
  w.Field("evicted_clients", load(c.evicted_clients));
  w.Field("keyspace_hits", stats.hits);
  w.Field("keyspace_misses", stats.misses);
  Observability* obs = ctx.server.observability();
  const PubSubHub* hub = obs == nullptr ? nullptr : obs->pubsub;
  w.Field("pubsub_channels", hub == nullptr ? 0 : hub->NumChannels());
  w.Field("pubsub_patterns", hub == nullptr ? 0 : hub->NumPat());
  const Tracking::Stats tracked =
      obs == nullptr || obs->tracking == nullptr ? Tracking::Stats{} : obs->tracking->stats();
  w.Field("tracking_total_keys", tracked.keys);
  w.Field("tracking_total_items", tracked.items);
  w.Field("tracking_total_prefixes", tracked.prefixes);
  w.Field("total_error_replies", load(c.total_error_replies));
  const Acl& acl = ctx.server.acl();  // Redis 7.2's names (7.0 keeps them in ACL LOG only)
  w.Field("acl_access_denied_auth", acl.denied(AclDenial::kAuth));
  w.Field("acl_access_denied_cmd", acl.denied(AclDenial::kCommand));
  w.Field("acl_access_denied_key", acl.denied(AclDenial::kKey));
  w.Field("acl_access_denied_channel", acl.denied(AclDenial::kChannel));
  w.Field("cairn_evicted_keys_maxmemory", stats.evictions_size);
  w.Field("cairn_evicted_keys_max_items", stats.evictions_items);
  w.Field("cairn_oom_rejections", stats.oom_rejections);
  w.Field("cairn_active_expired_keys", stats.active_expirations);
  w.Field("cairn_expiry_lag_ms", stats.expiry_lag_ms);
}

// Cairn's own section: policies, capacity, evictions by cause, expirations by kind, expiry lag.
void InfoCairn(CommandContext& ctx, InfoWriter& w, const CacheStats& stats) {
  CacheManager& cache = ctx.cache;
  w.Section("Cairn");
  w.Field("eviction_policy", cache.policy());
  w.Field("write_policy", ToString(cache.write_mode()));
  w.Field("read_through", cache.read_through() ? "yes" : "no");
  w.Field("shards", cache.shard_count());
  w.Field("items", stats.items);
  w.Field("bytes", stats.bytes);
  w.Field("max_items", cache.max_items());
  w.Field("maxmemory", cache.max_bytes());
  w.Field("policy_metadata_bytes", stats.policy_metadata_bytes);
  w.Field("evicted_keys_maxmemory", stats.evictions_size);
  w.Field("evicted_keys_max_items", stats.evictions_items);
  w.Field("expired_keys_lazy", stats.expirations - stats.active_expirations);
  w.Field("expired_keys_active", stats.active_expirations);
  w.Field("expiry_lag_ms", stats.expiry_lag_ms);
  w.Field("oom_rejections", stats.oom_rejections);
}

void InfoCpu(InfoWriter& w) {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& tv) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                  static_cast<long>(tv.tv_usec));
    return std::string(buf);
  };
  w.Section("CPU");
  w.Field("used_cpu_sys", secs(self.ru_stime));
  w.Field("used_cpu_user", secs(self.ru_utime));
  w.Field("used_cpu_sys_children", secs(children.ru_stime));
  w.Field("used_cpu_user_children", secs(children.ru_utime));
}

void AppendCommandStats(InfoWriter& w, const CommandSpec& spec) {
  const CommandStats& s = spec.stats;
  const uint64_t calls = s.calls.load(std::memory_order_relaxed);
  const uint64_t rejected = s.rejected_calls.load(std::memory_order_relaxed);
  const uint64_t failed = s.failed_calls.load(std::memory_order_relaxed);
  if (calls != 0 || rejected != 0 || failed != 0) {
    const uint64_t usec = s.usec.load(std::memory_order_relaxed);
    const double per_call = calls == 0 ? 0.0 : static_cast<double>(usec) / calls;
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  ":calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                  "failed_calls=%llu\r\n",
                  static_cast<unsigned long long>(calls), static_cast<unsigned long long>(usec),
                  per_call, static_cast<unsigned long long>(rejected),
                  static_cast<unsigned long long>(failed));
    w.text().append("cmdstat_").append(spec.full_name).append(buf);
  }
  for (const CommandSpec& sub : spec.subcommands) AppendCommandStats(w, sub);
}

// Redis's fields where they mean the same, then Cairn's write-policy and snapshot fields.
void InfoPersistence(CommandContext& ctx, InfoWriter& w) {
  w.Section("Persistence");
  PersistenceService* p = ctx.server.persistence();
  PersistenceInfo i;
  if (p != nullptr) i = p->Info();
  w.Field("loading", i.loading ? 1 : 0);
  w.Field("async_loading", 0);
  w.Field("rdb_bgsave_in_progress", i.bgsave_in_progress ? 1 : 0);
  w.Field("rdb_last_save_time", i.last_save_s);
  w.Field("rdb_last_bgsave_status", i.last_bgsave_status == "ok" ? "ok" : "err");
  w.Field("aof_enabled", 0);
  w.Field("aof_rewrite_in_progress", 0);
  w.Field("write_policy", i.write_policy.empty() ? std::string("none") : i.write_policy);
  w.Field("read_through", i.read_through ? "yes" : "no");
  w.Field("dirty_keys", i.dirty_keys);
  w.Field("dirty_bytes", i.dirty_bytes);
  w.Field("oldest_dirty_age_ms", i.oldest_dirty_age_ms);
  w.Field("flushes", i.flush.flushes);
  w.Field("flushed_keys", i.flush.flushed_keys);
  w.Field("flush_errors", i.flush.flush_errors);
  w.Field("last_flush_status", i.flush.last_flush_status);
  w.Field("last_flush_duration_ms", i.flush.last_flush_duration_ms);
  w.Field("store_errors", i.tier_errors);
  // Whether the store takes writes: while "err", write-through refuses writes (-MISCONF) and
  // write-back keeps them in memory, retrying; store_last_error stays after a recovery.
  w.Field("store_status", i.store.ok ? "ok" : "err");
  w.Field("store_last_error", i.store.last_error);
  w.Field(
      "store_failing_ms",
      i.store.ok ? 0 : std::max<int64_t>(0, ctx.cache.clock().NowMs() - i.store.failing_since_ms));
  w.Field("store_recoveries", i.store.recoveries);
  w.Field("read_through_hits", i.read_through_hits);
  w.Field("read_through_misses", i.read_through_misses);
  w.Field("write_back_rejections", i.backpressure_rejections);
  w.Field("warm_loaded_keys", i.loaded_keys);
  w.Field("last_save_keys", i.last_save_keys);
  w.Field("last_save_duration_ms", i.last_save_duration_ms);
  w.Field("store_keys_estimate", i.store_keys_estimate);
}

}  // namespace

void InfoCommand(CommandContext& ctx, Args args) {
  const uint32_t mask = ParseInfoSections(args);
  const int64_t now_ms = ctx.cache.clock().NowMs();
  const CacheStats stats = ctx.cache.Stats();
  std::string maxclients, hz;
  const std::string_view patterns[] = {"maxclients", "hz"};
  for (auto& [name, value] : ctx.server.config().Get(patterns)) {
    (name == "hz" ? hz : maxclients) = std::move(value);
  }
  InfoWriter w;
  if (mask & kInfoServer) InfoServer(ctx, w, now_ms, hz);
  if (mask & kInfoClients) {
    w.Section("Clients");
    w.Field("connected_clients", ctx.server.connected_clients());
    w.Field("cluster_connections", 0);
    w.Field("maxclients", maxclients.empty() ? std::string("0") : maxclients);
    w.Field("blocked_clients", 0);
    Observability* obs = ctx.server.observability();
    w.Field("tracking_clients",
            obs == nullptr || obs->tracking == nullptr ? 0 : obs->tracking->stats().clients);
  }
  if (mask & kInfoMemory) InfoMemory(ctx, w, stats);
  if (mask & kInfoPersistence) InfoPersistence(ctx, w);
  if (mask & kInfoStats) InfoStats(ctx, w, stats);
  if (mask & kInfoReplication) {
    w.Section("Replication");
    w.Field("role", "master");
    w.Field("connected_slaves", 0);
    w.Field("master_failover_state", "no-failover");
    w.Field("master_replid", RunId(ctx.server.start_time_ms() + 1));
    w.Field("master_repl_offset", 0);
  }
  if (mask & kInfoCpu) InfoCpu(w);
  if ((mask & kInfoCommandStats) && ctx.table != nullptr) {
    w.Section("Commandstats");
    for (const CommandSpec& spec : ctx.table->all()) AppendCommandStats(w, spec);
  }
  if ((mask & kInfoLatencyStats) && ctx.table != nullptr) {
    w.Section("Latencystats");
    AppendLatencyStats(w.text(), *ctx.table);
  }
  if (mask & kInfoCluster) {
    w.Section("Cluster");
    w.Field("cluster_enabled", ctx.cluster != nullptr ? 1 : 0);
  }
  if (mask & kInfoKeyspace) {
    w.Section("Keyspace");
    if (stats.items > 0) {
      const int64_t avg_ttl = stats.expires == 0 ? 0 : ctx.cache.EstimateAvgTtlMs();
      w.Field("db0", "keys=" + std::to_string(stats.items) + ",expires=" +
                         std::to_string(stats.expires) + ",avg_ttl=" + std::to_string(avg_ttl));
    }
  }
  if (mask & kInfoCairn) InfoCairn(ctx, w, stats);
  ctx.reply.Verbatim(w.text());
}

}  // namespace cairn
