// Policies are chosen by name. Each policy file provides a factory; RegisterBuiltinPolicies()
// (registry.cc) lists them explicitly, so adding a policy touches only the eviction module.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/eviction/policy.h"

namespace cairn {

class PolicyRegistry {
 public:
  using Factory = std::function<std::unique_ptr<EvictionPolicy>()>;

  // The process-wide registry with the built-in policies registered.
  static const PolicyRegistry& Builtin();

  void Register(std::string name, Factory factory, std::vector<std::string> aliases = {});
  // Accepts canonical names and aliases (e.g. Redis's "allkeys-lru"), case-insensitively.
  // Returns nullptr for an unknown name.
  std::unique_ptr<EvictionPolicy> Create(std::string_view name) const;
  // Canonical name for a name or alias; empty if unknown.
  std::string Canonical(std::string_view name) const;
  // Canonical names, in registration order.
  std::vector<std::string> Names() const;

 private:
  struct Row {
    std::string name;
    std::vector<std::string> aliases;
    Factory factory;
  };
  const Row* Find(std::string_view name) const;
  std::vector<Row> rows_;
};

void RegisterBuiltinPolicies(PolicyRegistry& registry);

}  // namespace cairn
