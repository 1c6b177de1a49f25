// StoreTier: adapts a BackingStore (RocksDB) to the cache's BackingTier seam, encoding each
// write as a StoredRecord. The cache calls Write under a shard lock, so this does the least it
// can: build the ops and hand them to the store in one batch.
#pragma once

#include "cairn/cache/backing_tier.h"
#include "cairn/persistence/backing_store.h"

namespace cairn {

class StoreTier final : public BackingTier {
 public:
  explicit StoreTier(BackingStore& store) : store_(store) {}
  Status Write(std::span<const TierWrite> writes) override;
  Status Clear() override;
  Result<std::optional<TierRecord>> Read(std::string_view key) override;

 private:
  BackingStore& store_;
};

}  // namespace cairn
