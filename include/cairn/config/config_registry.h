// Run-time configuration (CONFIG GET / SET / REWRITE). Each module registers its parameters with a
// getter and, when changeable at run time, a setter that validates and applies atomically. The
// composition root (main) wires the parameters to the modules that own them.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn {

struct ConfigParam {
  std::string name;                  // canonical, lower case ("maxmemory")
  std::vector<std::string> aliases;  // e.g. "maxmemory-policy" for "eviction-policy"
  std::function<std::string()> get;
  // Validates and applies; returns an error message (without "ERR ") or nullopt on success.
  // Empty function: the parameter cannot be changed at run time.
  std::function<std::optional<std::string>(std::string_view)> set;
  // Optional: whether `value` parses to exactly the current value (compared in normalised form,
  // e.g. "100mb" vs "104857600"). CONFIG SET of such a value is a no-op that succeeds even when
  // `set` is empty, so every value CONFIG GET shows can be set back; another value of a
  // parameter without `set` still fails with "can't set immutable config".
  std::function<bool(std::string_view)> is_current;
  // Optional: the value CONFIG GET shows when the parameter is asked for by one of its aliases,
  // called with that alias, for an alias that speaks another vocabulary (maxmemory-policy
  // answers Redis's "allkeys-lru" where eviction-policy answers "lru"). Empty: `get` serves
  // every name. What it returns must be accepted back (by `set` or `is_current`).
  std::function<std::string(std::string_view alias)> get_as;
};

class ConfigRegistry {
 public:
  void Define(ConfigParam param);
  // CONFIG GET: every parameter whose name or alias matches one of the glob patterns
  // (case-insensitive), as (name, value) pairs, each parameter once, by the name that matched
  // (and, for an alias, in that alias's form when the parameter has `get_as`).
  std::vector<std::pair<std::string, std::string>> Get(
      std::span<const std::string_view> patterns) const;
  // CONFIG SET of one or more pairs, all-or-nothing: on error nothing changes (values applied
  // before the failing one are restored) and the Redis error text is returned, e.g.
  // "ERR Unknown option or number of arguments for CONFIG SET - 'foo'". A parameter without a
  // setter accepts only its current value (see ConfigParam::is_current) and then is left alone.
  std::optional<std::string> Set(std::span<const std::pair<std::string_view, std::string_view>> kv);
  // Every parameter in config-file syntax (CONFIG REWRITE writes this).
  std::string Dump() const;
  const ConfigParam* Find(std::string_view name) const;

 private:
  mutable std::mutex mu_;
  std::vector<ConfigParam> params_;
};

}  // namespace cairn
