// Server configuration. CLI11 defines every option once (config.cc); the same names work as
// command-line flags (--maxmemory 100mb), in the redis.conf-style config file (maxmemory 100mb)
// and through CONFIG GET/SET. Precedence: defaults < file < flags < CONFIG SET.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cairn {

struct ServerConfig {
  std::vector<std::string> bind{"127.0.0.1", "::1"};
  int port = 6379;
  int io_threads = 0;  // 0 = number of cores
  int shards = 16;
  uint64_t maxmemory = 0;
  uint64_t max_items = 0;
  std::string eviction_policy = "lru";
  std::string requirepass;
  int timeout = 0;  // idle seconds, 0 = never
  int maxclients = 10000;
  uint64_t proto_max_bulk_len = 512ull * 1024 * 1024;
  uint64_t client_query_buffer_limit = 1024ull * 1024 * 1024;
  std::string log_level = "info";
  std::string log_file;  // empty = stderr
  std::string data_dir = "./data";
  int hz = 10;              // background task frequency (active expiry cycles per second)
  std::string config_file;  // the file this config was loaded from ("" if none)
};

// Value lists the config module cannot know by itself: the composition root fills them in from
// the modules that own them (e.g. the eviction policy registry's names and aliases).
struct ConfigChoices {
  // Accepted eviction-policy values (case-insensitive; stored lower case). Empty: accept any
  // non-empty name and let the caller validate it.
  std::vector<std::string> eviction_policies{"lru",        "lfu",         "fifo",
                                             "noeviction", "allkeys-lru", "allkeys-lfu"};
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

}  // namespace cairn
