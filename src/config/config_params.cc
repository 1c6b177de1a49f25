#include "cairn/config/config_params.h"

#include <memory>

#include "config_spec.h"

namespace cairn {

using config_internal::ConfigSpec;
using config_internal::ConfigSpecs;

std::optional<std::string> DefineConfigParams(ConfigRegistry& registry, ServerConfig& cfg,
                                              ConfigApplyHooks hooks, ConfigChoices choices) {
  for (const auto& [name, hook] : hooks) {
    const ConfigSpec* spec = config_internal::FindConfigSpec(name);
    if (spec == nullptr || spec->name != name) {
      return "no config key named '" + name + "' (apply hooks use canonical names)";
    }
    if (!spec->runtime) return "config key '" + name + "' cannot change at run time";
    if (!hook) return "empty apply hook for '" + name + "'";
  }
  auto shared_choices = std::make_shared<const ConfigChoices>(std::move(choices));
  for (const ConfigSpec& spec : ConfigSpecs()) {
    ConfigParam param;
    param.name = spec.name;
    param.aliases = spec.aliases;
    param.get = [&spec, &cfg] { return spec.get(cfg); };
    // Normalised comparison: parse into a copy, then compare the CONFIG GET forms ("100mb" and
    // "104857600" agree, so do "127.0.0.1  ::1" and "127.0.0.1 ::1", "LRU" and "lru").
    param.is_current = [&spec, &cfg, shared_choices](std::string_view value) {
      ServerConfig candidate = cfg;
      if (spec.set(value, *shared_choices, candidate)) return false;
      return spec.get(candidate) == spec.get(cfg);
    };
    if (spec.get_as) {
      param.get_as = [&spec, &cfg, shared_choices](std::string_view alias) {
        return spec.get_as(alias, cfg, *shared_choices);
      };
    }
    auto hook = hooks.find(spec.name);
    if (spec.compat) {
      // Validation only: the fixed value passes (and changes nothing), any other value gets the
      // row's explanation instead of "can't set immutable config".
      param.set = [&spec, shared_choices](std::string_view value) -> std::optional<std::string> {
        ServerConfig scratch;
        if (auto err = spec.set(value, *shared_choices, scratch)) return err->redis;
        return std::nullopt;
      };
    } else if (hook != hooks.end()) {
      param.set = [&spec, &cfg, apply = std::move(hook->second),
                   shared_choices](std::string_view value) -> std::optional<std::string> {
        ServerConfig candidate = cfg;
        if (auto err = spec.set(value, *shared_choices, candidate)) return err->redis;
        // Unchanged: nothing to apply (Redis 7.0 skips the apply function too).
        if (!spec.reload_same_value && spec.get(candidate) == spec.get(cfg)) return std::nullopt;
        if (auto err = apply(candidate)) return err;
        cfg = std::move(candidate);
        return std::nullopt;
      };
    }
    registry.Define(std::move(param));
  }
  return std::nullopt;
}

}  // namespace cairn
