// The configuration schema: one row per key, defined once and used by every entry point.
//
// A row (ConfigSpec) holds the key's name and aliases, its help text, whether it may change at
// run time, and three functions: `set` parses + validates a value and stores it in a
// ServerConfig (it never stores an invalid value), `get` prints it the way CONFIG GET shows it
// (sizes in bytes) and `file_value` the way a config file writes it (sizes in units when exact,
// strings quoted when needed). Defaults are ServerConfig's member initialisers.
//
// The rows are consumed by:
//   LoadConfig (config.cc)        : one CLI11 option per row; the file format validates with `set`
//   DumpConfig (config.cc)        : `name file_value` per row
//   ConfigMarkdownTable (markdown): README's reference table (--dump-config-markdown)
//   DefineConfigParams (params)   : one ConfigParam per row, CONFIG SET runs `set` then the hook
//
// Internal to the config module (not under include/): other modules see the rows only through
// LoadConfig, DumpConfig and the ConfigRegistry.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/config/config.h"

namespace cairn::config_internal {

// Why a value was rejected, in the two voices we need.
struct ValueError {
  std::string redis;     // Redis's CONFIG SET wording: "argument must be a memory value"
  std::string expected;  // what is allowed, for startup errors: "a size like 100mb or 1gb"
};

struct ConfigSpec {
  std::string name;                  // canonical, lower case
  std::vector<std::string> aliases;  // Redis spellings: "maxmemory-policy", "loglevel", "dir"
  std::string type_name;             // shown by --help: SIZE, INT, ADDR...
  std::string help;                  // one line for --help (cairn.conf has the prose)
  bool runtime = false;              // may change through CONFIG SET
  bool multi = false;                // takes one or more values (bind)
  // With multi: a key repeated in the config file adds its values to the earlier lines' instead
  // of replacing them (client-output-buffer-limit, where each line sets the classes it names).
  bool accumulate = false;
  // Parses and validates `value` (multi: a whitespace-separated list); stores it in `cfg` only
  // when valid.
  std::function<std::optional<ValueError>(std::string_view value, const ConfigChoices& choices,
                                          ServerConfig& cfg)>
      set;
  std::function<std::string(const ServerConfig&)> get;         // CONFIG GET form
  std::function<std::string(const ServerConfig&)> file_value;  // config-file form (quoted)
  // Optional: CONFIG GET form when asked for by an alias (ConfigParam::get_as): maxmemory-policy
  // shows the Redis policy name. Empty: `get` for every name.
  std::function<std::string(std::string_view alias, const ServerConfig& cfg,
                            const ConfigChoices& choices)>
      get_as;
  // A Redis compatibility key (save, appendonly, databases): one fixed value that is true of
  // Cairn, no ServerConfig field. `set` accepts only that value (and stores nothing) and
  // explains the Cairn alternative for any other; CONFIG SET of the fixed value succeeds and
  // changes nothing. Never runtime, takes no apply hook.
  bool compat = false;
  // The value names a file whose contents may change (tls-cert-file): CONFIG SET applies it even
  // when the value is the one already set, so that setting the same path reloads the file (Redis
  // 7.0's VOLATILE_CONFIG).
  bool reload_same_value = false;
};

// Every key, in the order --help, --dump-config and CONFIG GET * list them.
const std::vector<ConfigSpec>& ConfigSpecs();
// By canonical name or alias, case-insensitively; nullptr if unknown.
const ConfigSpec* FindConfigSpec(std::string_view name);

// "invalid value 'abc' for 'maxmemory': expected a size like 100mb or 1gb"
std::string InvalidValueMessage(std::string_view key, std::string_view value,
                                const ValueError& error);

// Value parsers shared by the rows (exposed for tests). Each returns the Redis wording on error.
std::optional<std::string> ParseIntInRange(std::string_view s, int64_t lo, int64_t hi,
                                           int64_t& out);
std::optional<std::string> ParseUintInRange(std::string_view s, uint64_t lo, uint64_t hi,
                                            uint64_t& out);
std::optional<std::string> ParseSizeInRange(std::string_view s, uint64_t lo, uint64_t hi,
                                            uint64_t& out);
// Redis's yesnotoi: "yes" / "no", case-insensitively.
std::optional<std::string> ParseYesNo(std::string_view s, bool& out);
// Sizes the way Redis's CONFIG REWRITE writes them: "1gb", "512mb", "64kb", else bytes.
std::string FormatSize(uint64_t bytes);

// Every key as a Markdown table (key and aliases, kind of value, default, whether CONFIG SET may
// change it, help): what `--dump-config-markdown` prints and README.md's Configuration section
// holds (config_markdown.cc).
std::string ConfigMarkdownTable();

}  // namespace cairn::config_internal
