// The standard run-time parameters (CONFIG GET / SET) for a ServerConfig.
//
// DefineConfigParams registers one ConfigParam per config key (the same schema LoadConfig and
// DumpConfig use, so names, aliases, parsing and validation are written once):
//   - every key gets a getter (CONFIG GET shows sizes in bytes and bind as "a b");
//   - a key that may change at run time gets a setter only when the composition root attaches an
//     apply hook for it. Without a hook CONFIG SET answers "can't set immutable config": a value
//     nobody applies would be a lie;
//   - every key accepts CONFIG SET of the value it already has (compared after parsing, so
//     "maxmemory 100mb" matches a GET of "104857600"): OK, nothing applied, hooks not called.
//
// A setter validates the text exactly as the config file does, builds the candidate ServerConfig
// (the current one with that field changed), calls the hook with it, and stores it in `cfg` only
// if the hook accepts. A failing CONFIG SET of several keys calls the setters again with the old
// values (ConfigRegistry::Set rolls back), so hooks also see the restore.
//
// Run-time changeable keys: maxmemory, max-items, eviction-policy, requirepass, timeout,
// maxclients, proto-max-bulk-len, client-query-buffer-limit, log-level, hz;
// persistence: write-policy, write-back-interval-ms, write-back-max-dirty,
// write-back-hard-limit, write-back-overflow, read-through, shutdown-timeout, write-sync,
// undo-depth, undo-max-bytes;
// observability: notify-keyspace-events, slowlog-log-slower-than, slowlog-max-len,
// tracking-table-max-keys,
// client-output-buffer-limit, latency-tracking, log-format, log-max-size, log-max-files.
// Fixed after startup: bind, port, io-threads, shards, log-file, data-dir, warm-load,
// snapshot-on-start, rocksdb-block-cache-size, rocksdb-compression, rocksdb-background-jobs,
// rocksdb-write-buffer-size, metrics-port, metrics-bind.
// Redis compatibility keys (save "", appendonly no, databases 1): one fixed value each, no hook;
// CONFIG SET accepts that value and refuses any other with a message naming the Cairn
// alternative (SNAPSHOT / BGSAVE, write-policy, SELECT 0).
// CONFIG GET maxmemory-policy answers Redis's policy name (allkeys-lru), eviction-policy the
// Cairn name (lru); either accepts either spelling (ConfigChoices::redis_policy_names).
//
// Threading: getters and setters run under the registry's mutex, and only setters write `cfg`
// after startup. Other threads must not read `cfg` while the server runs; hooks push new values
// to the modules that own them (cache.SetCapacity, an atomic in the session layer, ...).
//
// Example (main.cc):
//   ConfigRegistry registry;
//   auto err = DefineConfigParams(registry, cfg, {
//       {"maxmemory", [&](const ServerConfig& c) -> std::optional<std::string> {
//          cache.SetMaxBytes(c.maxmemory);
//          return std::nullopt;
//        }},
//       {"hz", [&](const ServerConfig& c) { maintenance.SetHz(c.hz); return std::nullopt; }},
//   }, choices);
//   if (err) { spdlog::critical("{}", *err); return 1; }
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cairn/config/config.h"
#include "cairn/config/config_registry.h"

namespace cairn {

// Applies a new value. Receives the candidate config (the field already changed); returns
// nullopt to accept, or an error in Redis's wording (without "ERR "), which CONFIG SET reports
// as "ERR CONFIG SET failed (possibly related to argument 'KEY') - <error>" and rejects the value.
// Runs under the registry's mutex (lock order: registry mutex, then whatever the hook locks, e.g.
// shard mutexes): keep it short, never call back into the registry.
using ConfigApplyFn = std::function<std::optional<std::string>(const ServerConfig&)>;

// Apply hooks by canonical key name ("maxmemory", "eviction-policy", "log-level", ...).
using ConfigApplyHooks = std::map<std::string, ConfigApplyFn, std::less<>>;

// Registers every config key in `registry`, reading and writing `cfg` (which must outlive the
// registry). Returns an error if a hook names an unknown key or one fixed after startup.
[[nodiscard]] std::optional<std::string> DefineConfigParams(ConfigRegistry& registry,
                                                            ServerConfig& cfg,
                                                            ConfigApplyHooks hooks,
                                                            ConfigChoices choices = {});

}  // namespace cairn
