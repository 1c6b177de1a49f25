// The policy registry: explicit registration (no static self-registration, so the link order can
// never drop a policy; see Dragonfly's command_families.h for the same argument), lookup by
// canonical name or alias, case-insensitively. Lookups are a linear scan over a handful of rows
// and happen only at startup and on CONFIG SET maxmemory-policy, never per request.
#include "cairn/eviction/registry.h"

#include <utility>

#include "adaptive.h"
#include "arc.h"
#include "cairn/common/strings.h"
#include "fifo.h"
#include "gdsf.h"
#include "lfu.h"
#include "lru.h"
#include "noeviction.h"
#include "s3fifo.h"
#include "sieve.h"
#include "slru.h"
#include "tinylfu.h"

namespace cairn {

const PolicyRegistry& PolicyRegistry::Builtin() {
  static const PolicyRegistry registry = [] {
    PolicyRegistry r;
    RegisterBuiltinPolicies(r);
    return r;
  }();
  return registry;
}

void PolicyRegistry::Register(std::string name, Factory factory, std::vector<std::string> aliases) {
  rows_.push_back(Row{std::move(name), std::move(aliases), std::move(factory)});
}

const PolicyRegistry::Row* PolicyRegistry::Find(std::string_view name) const {
  for (const Row& row : rows_) {
    if (EqualsIgnoreCase(row.name, name)) return &row;
    for (const std::string& alias : row.aliases) {
      if (EqualsIgnoreCase(alias, name)) return &row;
    }
  }
  return nullptr;
}

std::unique_ptr<EvictionPolicy> PolicyRegistry::Create(std::string_view name) const {
  const Row* row = Find(name);
  return row != nullptr ? row->factory() : nullptr;
}

std::string PolicyRegistry::Canonical(std::string_view name) const {
  const Row* row = Find(name);
  return row != nullptr ? row->name : std::string();
}

std::vector<std::string> PolicyRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(rows_.size());
  for (const Row& row : rows_) names.push_back(row.name);
  return names;
}

void RegisterBuiltinPolicies(PolicyRegistry& registry) {
  registry.Register(std::string(LruPolicy::kName), MakeLruPolicy, {"allkeys-lru"});
  registry.Register(std::string(LfuPolicy::kName), MakeLfuPolicy, {"allkeys-lfu"});
  registry.Register(std::string(FifoPolicy::kName), MakeFifoPolicy);
  registry.Register(std::string(NoEvictionPolicy::kName), MakeNoEvictionPolicy);
  registry.Register(std::string(SievePolicy::kName), MakeSievePolicy);
  registry.Register(std::string(SlruPolicy::kName), MakeSlruPolicy);
  registry.Register(std::string(S3FifoPolicy::kName), MakeS3FifoPolicy);
  registry.Register(std::string(ArcPolicy::kName), MakeArcPolicy);
  registry.Register(std::string(TinyLfuPolicy::kName), MakeTinyLfuPolicy, {"w-tinylfu"});
  registry.Register(std::string(AdaptivePolicy::kName), MakeAdaptivePolicy);
  registry.Register(std::string(GdsfPolicy::kName), MakeGdsfPolicy);
}

}  // namespace cairn
