// cairn-server: the composition root. Loads the configuration, sets up logging, builds the one
// authoritative cache (with its event bus and expiry thread), the command table and dispatcher,
// wires run-time configuration to the modules that own each setting, and runs the network server
// until SIGTERM / SIGINT / SHUTDOWN. No globals beyond spdlog's default logger.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cairn/cache/cache_manager.h"
#include "cairn/cache/expiry_service.h"
#include "cairn/cluster/cluster_state.h"
#include "cairn/command/acl.h"
#include "cairn/command/command_table.h"
#include "cairn/command/dispatcher.h"
#include "cairn/common/clock.h"
#include "cairn/common/hash.h"
#include "cairn/config/config.h"
#include "cairn/config/config_params.h"
#include "cairn/config/config_registry.h"
#include "cairn/events/event_bus.h"
#include "cairn/eviction/registry.h"
#include "cairn/persistence/persistence_service.h"
#include "cairn/server/server.h"
#include "observability_wiring.h"

namespace cairn {
namespace {

// The eviction-policy values the config accepts: every registered policy plus the Redis
// maxmemory-policy names the registry knows as aliases.
ConfigChoices PolicyChoices() {
  const PolicyRegistry& registry = PolicyRegistry::Builtin();
  ConfigChoices choices;
  choices.eviction_policies = registry.Names();
  for (const char* alias : {"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru",
                            "volatile-lfu", "volatile-random", "volatile-ttl", "noeviction"}) {
    if (!registry.Canonical(alias).empty() && registry.Canonical(alias) != alias) {
      choices.eviction_policies.emplace_back(alias);
    }
  }
  return choices;
}

std::string JoinChoices(const ConfigChoices& choices) {
  std::string out;
  for (const auto& name : choices.eviction_policies) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// Logs to stderr or to `cfg.log_file`. Returns an error message on failure.
std::optional<std::string> SetupLogging(const ServerConfig& cfg) {
  try {
    std::shared_ptr<spdlog::logger> logger;
    if (cfg.log_file.empty()) {
      logger = spdlog::stderr_color_mt("cairn");
    } else {
      logger = spdlog::basic_logger_mt("cairn", cfg.log_file);
    }
    logger->set_pattern("%P:M %d %b %Y %H:%M:%S.%e %^%l%$ %v");
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
  } catch (const std::exception& e) {
    return std::string("Can't open the log file: ") + e.what();
  }
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  return std::nullopt;
}

// The run-time setters (CONFIG SET): each pushes the new value to the module that owns it.
// ACL users at startup (Redis's ACLLoadUsersAtStartup): the aclfile, or the config file's
// `user` lines; never both.
std::optional<std::string> LoadAclUsers(Acl& acl, const ServerConfig& cfg) {
  std::string error;
  auto lines = ReadConfigUserLines(cfg.config_file, error);
  if (!lines) return error;
  if (cfg.aclfile.empty()) {
    if (auto err = acl.LoadUserLines(*lines)) return "config file 'user' line: " + *err;
    return std::nullopt;
  }
  if (!lines->empty()) {
    return "Configuring Redis with users defined in redis.conf and at the same setting an ACL "
           "file path is invalid. This setup is very likely to lead to configuration errors and "
           "security holes, please define either an ACL file or declare users directly in your "
           "redis.conf, but not both.";
  }
  acl.SetFile(cfg.aclfile);
  std::ifstream in(cfg.aclfile);
  if (!in) return "Error loading ACLs, opening file '" + cfg.aclfile + "'";
  std::stringstream text;
  text << in.rdbuf();
  if (auto err = acl.LoadUsers(text.str(), cfg.aclfile)) {
    return "Aborting startup because of ACL errors: " + *err;
  }
  return std::nullopt;
}

ConfigApplyHooks MakeApplyHooks(CacheManager& cache, Server& server, ExpiryService& expiry,
                                const ConfigChoices& choices) {
  ConfigApplyHooks hooks;
  auto capacity = [&cache](const ServerConfig& c) -> std::optional<std::string> {
    cache.SetCapacity(c.max_items, c.maxmemory);
    return std::nullopt;
  };
  hooks["maxmemory"] = capacity;
  hooks["max-items"] = capacity;
  hooks["eviction-policy"] = [&cache,
                              &choices](const ServerConfig& c) -> std::optional<std::string> {
    const std::string before = cache.policy();
    if (!cache.StartPolicySwap(c.eviction_policy)) {
      return "argument(s) must be one of the following: " + JoinChoices(choices);
    }
    spdlog::info("eviction policy change: {} -> {} (shards rebuild in the background)", before,
                 c.eviction_policy);
    return std::nullopt;
  };
  hooks["requirepass"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetRequirePass(c.requirepass);  // also the ACL default user's password
    return std::nullopt;
  };
  hooks["acllog-max-len"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.acl().SetLogMaxLen(static_cast<size_t>(c.acllog_max_len));
    return std::nullopt;
  };
  hooks["timeout"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetTimeout(c.timeout);
    return std::nullopt;
  };
  hooks["maxclients"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetMaxClients(c.maxclients);
    return std::nullopt;
  };
  hooks["proto-max-bulk-len"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetProtoMaxBulkLen(c.proto_max_bulk_len);
    return std::nullopt;
  };
  hooks["client-query-buffer-limit"] =
      [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetClientQueryBufferLimit(c.client_query_buffer_limit);
    return std::nullopt;
  };
  hooks["protected-mode"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetProtectedMode(c.protected_mode);
    return std::nullopt;
  };
  hooks["maxmemory-clients"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetMaxMemoryClients(c.maxmemory_clients);
    return std::nullopt;
  };
  hooks["log-level"] = [](const ServerConfig& c) -> std::optional<std::string> {
    spdlog::set_level(spdlog::level::from_str(c.log_level));
    return std::nullopt;
  };
  hooks["hz"] = [&expiry](const ServerConfig& c) -> std::optional<std::string> {
    expiry.set_hz(c.hz);
    return std::nullopt;
  };
  hooks["undo-depth"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetUndoLimits(static_cast<size_t>(c.undo_depth), c.undo_max_bytes);
    return std::nullopt;
  };
  hooks["undo-max-bytes"] = hooks["undo-depth"];
  hooks["busy-reply-threshold"] = [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetBusyReplyThreshold(c.busy_reply_threshold);
    return std::nullopt;
  };
  return hooks;
}

WriteBackLimits WriteBackLimitsOf(const ServerConfig& cfg) {
  return {.max_keys = cfg.write_back_hard_limit,
          .max_bytes = cfg.write_back_hard_limit_bytes,
          .reject = cfg.write_back_overflow == "reject"};
}

PersistenceOptions MakePersistenceOptions(const ServerConfig& cfg) {
  PersistenceOptions o;
  o.data_dir = cfg.data_dir;
  o.write_mode = ParseWriteMode(cfg.write_policy).value_or(WriteMode::kNone);
  o.read_through = cfg.read_through;
  o.warm_load = cfg.warm_load;
  o.write_back_interval_ms = cfg.write_back_interval_ms;
  o.write_back_max_dirty = cfg.write_back_max_dirty;
  o.write_back_limits = WriteBackLimitsOf(cfg);
  o.shutdown_timeout_ms = cfg.shutdown_timeout == 0 ? INT64_MAX / 4 : cfg.shutdown_timeout * 1000LL;
  o.rocksdb.block_cache_bytes = cfg.rocksdb_block_cache_size;
  o.rocksdb.compression = ParseCompression(cfg.rocksdb_compression).value_or(Compression::kLz4);
  o.rocksdb.write_sync = cfg.write_sync;
  o.rocksdb.background_jobs = cfg.rocksdb_background_jobs;
  o.rocksdb.write_buffer_bytes = cfg.rocksdb_write_buffer_size;
  o.snapshot_on_start = cfg.snapshot_on_start;
  return o;
}

// CONFIG SET of a TLS key rebuilds the TLS context from every tls-* value (Redis's applyTlsCfg):
// new connections use it, existing ones keep theirs; on failure the old one stays, the reason is
// logged and the client gets Redis's text.
void AddTlsHooks(ConfigApplyHooks& hooks, Server& server) {
  auto reload = [&server](const ServerConfig& c) -> std::optional<std::string> {
    if (server.ReloadTls(TlsOptions::FromConfig(c))) {
      return "Unable to update TLS configuration. Check server logs.";
    }
    return std::nullopt;
  };
  for (const char* key : {"tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-ca-cert-file",
                          "tls-ca-cert-dir", "tls-auth-clients", "tls-protocols", "tls-ciphers",
                          "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-session-caching",
                          "tls-session-cache-size", "tls-session-cache-timeout"}) {
    hooks[key] = reload;
  }
  hooks["tls-handshake-timeout-ms"] =
      [&server](const ServerConfig& c) -> std::optional<std::string> {
    server.SetTlsHandshakeTimeout(c.tls_handshake_timeout_ms);
    return std::nullopt;
  };
}

// CONFIG SET of the persistence keys: each applies to the running PersistenceService.
void AddPersistenceHooks(ConfigApplyHooks& hooks, PersistenceService& persistence) {
  hooks["write-policy"] = [&persistence](const ServerConfig& c) -> std::optional<std::string> {
    auto mode = ParseWriteMode(c.write_policy);
    if (!mode) return "argument must be one of the following: none, write-through, write-back";
    Status st = persistence.SetWriteMode(*mode);
    if (!st.ok()) return st.ToString();
    spdlog::info("write policy changed to {}", c.write_policy);
    return std::nullopt;
  };
  auto write_back = [&persistence](const ServerConfig& c) -> std::optional<std::string> {
    persistence.ConfigureWriteBack(c.write_back_interval_ms, c.write_back_max_dirty,
                                   WriteBackLimitsOf(c));
    return std::nullopt;
  };
  for (const char* key : {"write-back-interval-ms", "write-back-max-dirty", "write-back-hard-limit",
                          "write-back-hard-limit-bytes", "write-back-overflow"}) {
    hooks[key] = write_back;
  }
  hooks["read-through"] = [&persistence](const ServerConfig& c) -> std::optional<std::string> {
    persistence.SetReadThrough(c.read_through);
    return std::nullopt;
  };
  hooks["shutdown-timeout"] = [&persistence](const ServerConfig& c) -> std::optional<std::string> {
    persistence.SetShutdownTimeout(c.shutdown_timeout == 0 ? INT64_MAX / 4
                                                           : c.shutdown_timeout * 1000LL);
    return std::nullopt;
  };
}

int Run(int argc, char** argv) {
  // Keyed before anything hashes a key (cairn/common/hash.h: hash flooding).
  std::random_device entropy;
  SeedKeyHash((uint64_t{entropy()} << 32 | entropy()) | 1);
  ServerConfig cfg;
  const ConfigChoices choices = PolicyChoices();
  const LoadResult loaded = LoadConfig(argc, argv, cfg, choices, std::cout);
  if (!loaded.error.empty()) {
    std::fprintf(stderr, "cairn-server: %s\n", loaded.error.c_str());
    return 1;
  }
  if (loaded.exit) return loaded.exit_code;
  const std::string policy = PolicyRegistry::Builtin().Canonical(cfg.eviction_policy);
  if (policy.empty()) {
    std::fprintf(stderr, "cairn-server: unknown eviction-policy '%s' (one of: %s)\n",
                 cfg.eviction_policy.c_str(), JoinChoices(choices).c_str());
    return 1;
  }
  if (auto err = SetupLogging(cfg)) {
    std::fprintf(stderr, "cairn-server: %s\n", err->c_str());
    return 1;
  }
  spdlog::info(
      "Cairn {} starting: pid={} port={} policy={} shards={} maxmemory={} "
      "max-items={} io-threads={}",
      ServerVersion(), getpid(), cfg.port, policy, cfg.shards, cfg.maxmemory, cfg.max_items,
      cfg.io_threads);
  if (!cfg.config_file.empty()) spdlog::info("configuration loaded from {}", cfg.config_file);

  EventBus bus;
  CacheOptions cache_options;
  // Small max-items caches get fewer shards (see EffectiveShards in cairn/cache/options.h).
  cache_options.shards = EffectiveShards(static_cast<size_t>(cfg.shards), cfg.max_items);
  if (cache_options.shards < static_cast<size_t>(cfg.shards)) {
    spdlog::info("{} shards for max-items {} (at least {} entries per shard)", cache_options.shards,
                 cfg.max_items, kMinItemsPerShard);
  }
  cache_options.max_items = cfg.max_items;
  cache_options.max_bytes = cfg.maxmemory;
  cache_options.eviction_policy = policy;
  CacheManager cache(cache_options, SystemClock::Instance(), &bus);
  ExpiryService expiry(cache, cfg.hz);
  PersistenceService persistence(cache, SystemClock::Instance(), MakePersistenceOptions(cfg));
  if (Status st = persistence.Open(); !st.ok()) {
    spdlog::critical("cannot open the data dir '{}': {}", cfg.data_dir, st.ToString());
    return 1;
  }
  spdlog::info("persistence: store {}/rocksdb, write-policy {}, read-through {}, warm-load {}",
               cfg.data_dir, cfg.write_policy, cfg.read_through ? "yes" : "no",
               cfg.warm_load ? "yes" : "no");

  // Pub/sub, keyspace notifications, SLOWLOG, MONITOR: built before the server, destroyed after.
  ObservabilityServices observability(bus, SystemClock::Instance(), cfg);
  // The client-tracking table counts against maxmemory, like policy metadata and scripts.
  observability.tracking.SetMemoryCharge(
      [&cache](int64_t delta_bytes) { cache.ChargeExternal(delta_bytes); });

  // Cluster mode: the map in force (cairn/cluster/topology.h); none when cluster-enabled is no.
  std::unique_ptr<cluster::ClusterState> cluster;
  if (cfg.cluster_enabled) {
    std::string error;
    cluster =
        cluster::OpenClusterState(cfg.cluster_config_file, cfg.cluster_node_id,
                                  cfg.cluster_announce_ip, static_cast<uint16_t>(cfg.port), error);
    if (!cluster) {
      spdlog::critical("cluster mode: {}", error);
      return 1;
    }
    spdlog::info("cluster mode: node {}, {}", cluster->self_id(),
                 cfg.cluster_config_file.empty() ? std::string("owning every slot")
                                                 : "map " + cfg.cluster_config_file);
    // Warm-load only this node's slots: keys of slots moved away stay in the store, unloaded.
    persistence.SetWarmLoadFilter([state = cluster.get()](std::string_view key) {
      return state->Current().Owns(cluster::KeySlot(key));
    });
  }

  ConfigRegistry registry;
  CommandTable table;
  RegisterAllCommands(table);
  const Dispatcher dispatcher(table, cluster.get());
  ServerOptions server_options = ServerOptions::FromConfig(cfg);
  server_options.handle_signals = true;
  Server server(std::move(server_options), cache, dispatcher, registry, SystemClock::Instance());
  server.SetPersistence(&persistence);
  server.SetObservability(&observability.bundle);
  server.SetUndoLimits(static_cast<size_t>(cfg.undo_depth), cfg.undo_max_bytes);
  server.SetBusyReplyThreshold(cfg.busy_reply_threshold);
  server.acl().Bind(table);
  server.acl().SetLogMaxLen(static_cast<size_t>(cfg.acllog_max_len));
  if (auto err = LoadAclUsers(server.acl(), cfg)) {
    spdlog::critical("{}", *err);
    return 1;
  }
  ConfigApplyHooks hooks = MakeApplyHooks(cache, server, expiry, choices);
  AddPersistenceHooks(hooks, persistence);
  AddTlsHooks(hooks, server);
  AddObservabilityHooks(hooks, observability);
  if (auto err = DefineConfigParams(registry, cfg, std::move(hooks), choices)) {
    spdlog::critical("{}", *err);
    return 1;
  }

  std::atomic<bool> serving{false};  // /readyz: once listening (and loaded), until shutdown
  std::string metrics_error;
  std::unique_ptr<PrometheusExporter> metrics = StartMetricsExporter(
      cfg, MakeMetricsSource(cache, server, table, persistence, bus, observability, serving),
      metrics_error);
  if (!metrics_error.empty()) {
    spdlog::critical("{}", metrics_error);
    return 1;
  }
  // Before the listeners open: `loading` is set before any client can see "ready", so nobody gets
  // OK for a key and then -LOADING or an empty keyspace.
  persistence.Start();  // warm-load runs in the background; data commands answer -LOADING
  if (auto err = server.Start()) {
    spdlog::critical("{}", *err);
    return 1;
  }
  serving.store(true, std::memory_order_release);
  expiry.Start();
  server.WaitForShutdown();
  serving.store(false, std::memory_order_release);
  spdlog::warn("Shutting down: closing listeners and client connections");
  server.Stop();
  if (metrics) metrics->Stop();
  expiry.Stop();
  const bool flush = persistence.flush_on_shutdown();
  if (Status st = persistence.Shutdown(flush); !st.ok()) {
    spdlog::error("persistence shutdown: {}", st.ToString());
  } else if (flush) {
    spdlog::info("persistence: every dirty key flushed, store closed");
  }
  bus.Drain();
  spdlog::warn("Cairn is now ready to exit, bye bye...");
  spdlog::shutdown();
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) { return cairn::Run(argc, argv); }
