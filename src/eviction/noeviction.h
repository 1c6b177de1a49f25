// noeviction: never names a victim. Mirrors Redis's `maxmemory-policy noeviction`: once the
// memory or item limit is reached, writes that would grow the dataset fail (the shard answers
// "-OOM command not allowed when used memory > 'maxmemory'.") while reads and deletes still work.
//
// Algorithm. Keeps no order at all: every hook is a no-op and PickVictim returns nullptr, so
// the read and write paths pay nothing for the policy (no link writes into entries).
// Deviations from the reference: none; the OOM decision itself is the shard's, not the policy's.
// Tunables: none.
// Complexity: O(1) and zero work for every operation; no memory.
// References: Redis src/evict.c (performEvictions returns EVICT_FAIL for noeviction), redis.conf
// "MEMORY MANAGEMENT".
#pragma once

#include <memory>
#include <string_view>

#include "cairn/eviction/policy.h"

namespace cairn {

class NoEvictionPolicy final : public EvictionPolicy {
 public:
  static constexpr std::string_view kName = "noeviction";

  std::string_view name() const override { return kName; }
  void OnInsert(Entry& e) override;
  void OnAccess(Entry& e) override;
  void OnErase(Entry& e) override;
  void OnReplace(Entry& old, Entry& fresh) override;
  Entry* PickVictim(uint32_t now_s) override;
  void Clear() override;
};

std::unique_ptr<EvictionPolicy> MakeNoEvictionPolicy();

}  // namespace cairn
