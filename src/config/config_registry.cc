// CONFIG GET / SET / REWRITE over the registered parameters, following Redis 7.0's
// configSetCommand: names are checked first (unknown, immutable, duplicate: the first problem
// wins; a parameter without a setter passes only when given its current value, and is then
// skipped), then values are set one by one and, on the first failure, the ones already set are put
// back (their setters run again with the old values, so apply hooks see the rollback).
#include "cairn/config/config_registry.h"

#include <algorithm>

#include "cairn/common/glob.h"
#include "cairn/common/strings.h"
#include "config_file.h"

namespace cairn {
namespace {

bool NameMatches(const ConfigParam& p, std::string_view name) {
  if (EqualsIgnoreCase(p.name, name)) return true;
  return std::any_of(p.aliases.begin(), p.aliases.end(),
                     [name](const std::string& a) { return EqualsIgnoreCase(a, name); });
}

std::string SetFailed(std::string_view name, std::string_view why) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(why);
}

}  // namespace

void ConfigRegistry::Define(ConfigParam param) {
  std::lock_guard lock(mu_);
  params_.push_back(std::move(param));
}

const ConfigParam* ConfigRegistry::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  for (const ConfigParam& p : params_) {
    if (NameMatches(p, name)) return &p;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> ConfigRegistry::Get(
    std::span<const std::string_view> patterns) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<bool> taken(params_.size(), false);
  for (std::string_view pattern : patterns) {
    for (size_t i = 0; i < params_.size(); ++i) {
      if (taken[i]) continue;
      const ConfigParam& p = params_[i];
      const std::string* matched = nullptr;
      if (GlobMatch(pattern, p.name, /*nocase=*/true)) {
        matched = &p.name;
      } else {
        for (const std::string& alias : p.aliases) {
          if (GlobMatch(pattern, alias, /*nocase=*/true)) {
            matched = &alias;
            break;
          }
        }
      }
      if (matched == nullptr) continue;
      taken[i] = true;
      out.emplace_back(*matched, matched != &p.name && p.get_as ? p.get_as(*matched) : p.get());
    }
  }
  return out;
}

std::optional<std::string> ConfigRegistry::Set(
    std::span<const std::pair<std::string_view, std::string_view>> kv) {
  std::lock_guard lock(mu_);
  std::vector<const ConfigParam*> targets;
  targets.reserve(kv.size());
  for (const auto& [name, value] : kv) {
    // A copy to capture: Clang before 16 cannot capture a structured binding (the fuzz build).
    auto it = std::find_if(params_.begin(), params_.end(),
                           [key = name](const ConfigParam& p) { return NameMatches(p, key); });
    if (it == params_.end()) {
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) +
             "'";
    }
    // Setting an immutable parameter to the value it already has is a no-op (Redis refuses it;
    // Cairn lets every CONFIG GET answer be set back).
    if (!it->set && !(it->is_current && it->is_current(value))) {
      return SetFailed(name, "can't set immutable config");
    }
    if (std::find(targets.begin(), targets.end(), &*it) != targets.end()) {
      return SetFailed(name, "duplicate parameter");
    }
    targets.push_back(&*it);
  }

  std::vector<std::string> old_values;
  old_values.reserve(targets.size());
  for (const ConfigParam* p : targets) old_values.push_back(p->get());
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!targets[i]->set) continue;  // immutable, already known to be unchanged
    if (std::optional<std::string> err = targets[i]->set(kv[i].second)) {
      for (size_t j = i; j-- > 0;) {
        if (targets[j]->set) targets[j]->set(old_values[j]);  // best effort, like Redis
      }
      return SetFailed(targets[i]->name, *err);
    }
  }
  return std::nullopt;
}

std::string ConfigRegistry::Dump() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const ConfigParam& p : params_) {
    out += p.name;
    out += ' ';
    out += config_internal::QuoteConfigValue(p.get());
    out += '\n';
  }
  return out;
}

}  // namespace cairn
