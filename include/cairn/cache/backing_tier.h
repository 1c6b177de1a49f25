// The persistent tier as the cache sees it. The persistence module adapts its BackingStore
// (RocksDB) to this; tests use an in-memory tier with fault injection. The cache writes under
// the owning shard's lock, except write-back flush batches, which are written with no lock held
// (the shard orders every other write after a batch in flight: see Shard::FlushDirty); reads
// (read-through) run with no lock held. So a tier must be thread-safe and must never call back
// into the cache.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cairn/common/status.h"

namespace cairn {

// Write policy (Strategy), chosen at run time with `write-policy`:
//   none          memory only.
//   write-through a write is in the tier (its WAL) before the client gets the reply; done under
//                 the shard lock, so writes to one key reach the tier in order.
//   write-back    a write marks the entry dirty; dirty keys are coalesced and flushed in batches
//                 by the FlushService (every interval, or early when many are pending).
enum class WriteMode : uint8_t { kNone, kWriteThrough, kWriteBack };

const char* ToString(WriteMode m);
std::optional<WriteMode> ParseWriteMode(std::string_view s);

struct TierWrite {
  std::string_view key;
  std::string_view value;    // ignored for deletes
  int64_t expire_at_ms = 0;  // absolute; 0 = none
  uint64_t version = 0;
  bool is_delete = false;
};

struct TierRecord {
  std::string value;
  int64_t expire_at_ms = 0;
  uint64_t version = 0;
};

class BackingTier {
 public:
  virtual ~BackingTier() = default;
  // Applies all writes atomically (one batch). On error nothing may be assumed written.
  virtual Status Write(std::span<const TierWrite> writes) = 0;
  // Removes everything (FLUSHALL with persistence on).
  virtual Status Clear() = 0;
  // Looks a key up (read-through). nullopt: absent; a Status on I/O failure.
  virtual Result<std::optional<TierRecord>> Read(std::string_view key) = 0;
};

}  // namespace cairn
