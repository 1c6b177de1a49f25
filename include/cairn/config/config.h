// Server configuration. CLI11 defines every option once (config.cc); the same names work as
// command-line flags (--maxmemory 100mb), in the redis.conf-style config file (maxmemory 100mb)
// and through CONFIG GET/SET. Precedence: defaults < file < flags < CONFIG SET.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cairn {

// client-output-buffer-limit, per client class, with Redis's defaults. A client is disconnected
// as soon as its pending output reaches hard_bytes, or once it has stayed at or above
// soft_bytes for soft_seconds seconds; 0 disables that limit. Cairn has no replicas: the replica
// class is kept so that Redis's syntax and CONFIG GET output work unchanged. (The pub/sub
// module's own OutputBufferLimit has the same three fields; main copies them across.)
struct ClientOutputBufferLimits {
  struct Limit {
    uint64_t hard_bytes = 0;
    uint64_t soft_bytes = 0;
    int64_t soft_seconds = 0;  // 0 .. INT_MAX, as in Redis
    bool operator==(const Limit&) const = default;
  };
  Limit normal;
  Limit replica{256ull * 1024 * 1024, 64ull * 1024 * 1024, 60};
  Limit pubsub{32ull * 1024 * 1024, 8ull * 1024 * 1024, 60};
  bool operator==(const ClientOutputBufferLimits&) const = default;
};

struct ServerConfig {
  std::vector<std::string> bind{"127.0.0.1", "::1"};
  int port = 6379;
  int io_threads = 0;  // 0 = automatic (AutoIoThreads: 1 on <= 2 cores, else cores - 1)
  int shards = 16;
  uint64_t maxmemory = 0;
  uint64_t max_items = 0;
  std::string eviction_policy = "adaptive";
  std::string requirepass;
  std::string aclfile;           // ACL users file (ACL LOAD / SAVE); "" = `user` config lines
  int64_t acllog_max_len = 128;  // ACL LOG entries kept
  int timeout = 0;               // idle seconds, 0 = never
  int maxclients = 10000;
  // protected-mode: with no password, only clients from 127.0.0.1 / ::1 are served (Redis's).
  bool protected_mode = true;
  uint64_t proto_max_bulk_len = 512ull * 1024 * 1024;
  uint64_t client_query_buffer_limit = 1024ull * 1024 * 1024;
  // maxmemory-clients: bytes all client buffers may hold together (0 = no limit); a negative
  // value is a percentage of maxmemory ("10%" is stored as -10), as Redis stores it.
  int64_t maxmemory_clients = 0;
  std::string log_level = "info";
  std::string log_file;  // empty = stderr
  std::string data_dir = "./data";
  int hz = 10;  // background task frequency (active expiry cycles per second)

  // Persistence (config/cairn.conf, PERSISTENCE section, documents each key).
  std::string write_policy = "none";          // none | write-through | write-back
  int write_back_interval_ms = 1000;          // write-back flush period
  uint64_t write_back_max_dirty = 250000;     // dirty keys that trigger an early flush (0 = never)
  uint64_t write_back_hard_limit = 1000000;   // dirty keys above which writes wait (0 = no limit)
  uint64_t write_back_hard_limit_bytes = 0;   // dirty bytes above which writes wait (0 = no limit)
  std::string write_back_overflow = "block";  // block | reject, above the hard limit
  bool read_through = false;                  // on a memory miss, look in RocksDB
  bool warm_load = true;                      // load RocksDB into memory at startup
  int shutdown_timeout = 10;                  // seconds to flush on shutdown (0 = no limit)
  bool write_sync = false;                    // fsync each RocksDB write batch
  uint64_t rocksdb_block_cache_size = 64ull * 1024 * 1024;
  std::string rocksdb_compression = "lz4";  // none | snappy | lz4 | zstd
  int rocksdb_background_jobs = 2;
  uint64_t rocksdb_write_buffer_size = 64ull * 1024 * 1024;
  std::string snapshot_on_start;          // snapshot name to restore at startup ("" = none)
  int undo_depth = 16;                    // undo steps kept per connection (0 = undo off)
  uint64_t undo_max_bytes = 1024 * 1024;  // undo history bytes per connection
  int64_t busy_reply_threshold = 5000;    // ms a script runs before others get -BUSY

  // Cluster mode (config/cairn.conf, CLUSTER section): fixed after startup.
  bool cluster_enabled = false;
  std::string cluster_config_file;  // the cluster map; "" = this node owns every slot
  std::string cluster_node_id;      // "" = the map's node with this port (or a random id)
  std::string cluster_announce_ip;  // single-node mode's announced address ("" = as connected)

  // Observability (config/cairn.conf, OBSERVABILITY and LOGGING sections).
  int metrics_port = 0;  // Prometheus /metrics, /healthz, /readyz (0 = off)
  std::string metrics_bind = "127.0.0.1";
  // Keyspace notification classes, a bit mask with Redis's NOTIFY_* values (the same as the
  // observability module's NotifyClass); CONFIG and the file use Redis's letters (KEA, Ex).
  uint32_t notify_keyspace_events = 0;
  int64_t slowlog_log_slower_than = 10000;  // microseconds; -1 = off, 0 = log every command
  uint64_t slowlog_max_len = 128;
  uint64_t tracking_table_max_keys = 1'000'000;  // CLIENT TRACKING's key table (0 = no bound)
  ClientOutputBufferLimits client_output_buffer_limit;
  std::string log_format = "text";  // text | json (one JSON object per line)
  uint64_t log_max_size = 0;        // rotate the log file at this size (0 = never)
  int log_max_files = 5;            // rotated files kept
  bool latency_tracking = true;     // per-command latency percentiles (INFO latencystats)

  // TLS (config/cairn.conf, TLS section; Redis 7.0's keys and meanings). tls-port 0 = no TLS
  // listener; with tls-port set, port 0 means no plain TCP listener (as in Redis).
  int tls_port = 0;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_key_file_pass;
  std::string tls_ca_cert_file;
  std::string tls_ca_cert_dir;
  std::string tls_auth_clients = "yes";  // yes | no | optional
  std::string tls_protocols;             // "" = TLSv1.2 TLSv1.3
  std::string tls_ciphers;               // "" = OpenSSL's default (TLSv1.2 and below)
  std::string tls_ciphersuites;          // "" = OpenSSL's default (TLSv1.3)
  bool tls_prefer_server_ciphers = false;
  bool tls_session_caching = true;
  int tls_session_cache_size = 20 * 1024;  // sessions kept (0 = no limit)
  int tls_session_cache_timeout = 300;     // seconds a cached session stays valid
  int tls_handshake_timeout_ms = 10000;    // a handshake not done by then is closed

  std::string config_file;  // the file this config was loaded from ("" if none)
};

// Value lists the config module cannot know by itself: the composition root fills them in from
// the modules that own them (e.g. the eviction policy registry's names and aliases).
struct ConfigChoices {
  // Accepted eviction-policy values (case-insensitive; stored lower case). Empty: accept any
  // non-empty name and let the caller validate it.
  std::vector<std::string> eviction_policies{"adaptive",   "lru",         "lfu",        "fifo",
                                             "noeviction", "allkeys-lru", "allkeys-lfu"};
  // Redis's maxmemory-policy name of a Cairn policy, as {cairn, redis} pairs. CONFIG GET
  // maxmemory-policy answers the Redis name (lru -> allkeys-lru) while eviction-policy answers
  // the Cairn one, and setting either key to a Redis name stores the Cairn name. A policy not
  // listed here has no Redis name and shows its own name under both keys.
  std::vector<std::pair<std::string, std::string>> redis_policy_names{
      {"lru", "allkeys-lru"}, {"lfu", "allkeys-lfu"}, {"noeviction", "noeviction"}};
};

struct LoadResult {
  bool exit = false;  // --help / --version / --dump-config handled: exit with exit_code
  int exit_code = 0;
  std::string error;  // non-empty: startup must stop; names key, value and what is allowed
};

// Parses argv (and the config file named by the first positional argument or --config), filling
// `cfg`. Prints help / version / the effective config (--dump-config) to stdout when asked.
// The config file is the first argument when it does not start with '-' (like redis-server),
// or --config FILE. Values: ServerConfig's defaults < config file < command-line flags.
LoadResult LoadConfig(int argc, const char* const* argv, ServerConfig& cfg);
// Same, validating eviction-policy against `choices` and printing to `out` instead of stdout.
LoadResult LoadConfig(int argc, const char* const* argv, ServerConfig& cfg,
                      const ConfigChoices& choices, std::ostream& out);

// The effective configuration in config-file syntax, one `key value` per line, every key.
std::string DumpConfig(const ServerConfig& cfg);

// The config file's `user` lines (ACL users, as Redis's: not a CONFIG key), each the arguments
// after "user" (name, rules ...); nullopt with `error` set when the file cannot be read.
std::optional<std::vector<std::vector<std::string>>> ReadConfigUserLines(const std::string& path,
                                                                         std::string& error);

}  // namespace cairn
