// Server configuration. CLI11 defines every option once (config.cc); the same names work as
// command-line flags (--maxmemory 100mb), in the redis.conf-style config file (maxmemory 100mb)
// and through CONFIG GET/SET. Precedence: defaults < file < flags < CONFIG SET.
#pragma once

#include <cstdint>
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
  int hz = 10;  // background task frequency (active expiry cycles per second)
  std::string config_file;  // the file this config was loaded from ("" if none)
};

struct LoadResult {
  bool exit = false;   // --help / --version / --dump-config handled: exit with exit_code
  int exit_code = 0;
  std::string error;   // non-empty: startup must stop; names key, value and what is allowed
};

// Parses argv (and the config file named by the first positional argument or --config), filling
// `cfg`. Prints help / version / the effective config (--dump-config) to stdout when asked.
LoadResult LoadConfig(int argc, const char* const* argv, ServerConfig& cfg);

// The effective configuration in config-file syntax, one `key value` per line, every key.
std::string DumpConfig(const ServerConfig& cfg);

}  // namespace cairn
