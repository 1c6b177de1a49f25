#include "cairn/persistence/store_tier.h"

#include <vector>

namespace cairn {

Status StoreTier::Write(std::span<const TierWrite> writes) {
  // Views of the caller's bytes: nothing is copied before the store encodes them. One scratch
  // vector per thread (flusher, I/O threads writing through), reused: no allocation once warm.
  thread_local std::vector<StoreOp> ops;
  ops.clear();
  for (const TierWrite& w : writes) {
    ops.push_back(
        w.is_delete ? StoreOp::Delete(w.key)
                    : StoreOp::Put(w.key, StoredRecordView{w.value, w.expire_at_ms, w.version, 0}));
  }
  Status st = store_.WriteBatch(ops);
  // Kept up to a flush pass's size (16 shards x 1024 keys = 1 MB of ops): the flusher writes
  // passes back to back. A larger vector (more shards) is given back rather than kept per thread.
  constexpr size_t kKeepBytes = size_t{1} << 20;
  if (ops.capacity() * sizeof(StoreOp) > kKeepBytes) std::vector<StoreOp>().swap(ops);
  // The message is the store failure in full ("IO error: ..."): the reply quotes it.
  return st.ok() ? Status() : Status::IoError(st.ToString());
}

Status StoreTier::Clear() {
  // In rounds of bounded size: ForEach must not call into the store, so collect, then delete.
  constexpr size_t kRound = 10'000;
  while (true) {
    std::vector<std::string> keys;
    Status st = store_.ForEach([&](std::string_view key, const StoredRecord&) {
      keys.emplace_back(key);
      return keys.size() < kRound;
    });
    if (!st.ok() && st.code() != StatusCode::kAborted) return Status::IoError(st.ToString());
    if (keys.empty()) return Status();
    std::vector<StoreOp> ops;
    ops.reserve(keys.size());
    for (const std::string& k : keys) ops.push_back(StoreOp::Delete(k));
    if (Status w = store_.WriteBatch(ops); !w.ok()) return Status::IoError(w.ToString());
    if (ops.size() < kRound) return Status();
  }
}

Result<std::optional<TierRecord>> StoreTier::Read(std::string_view key) {
  auto r = store_.Get(key);
  if (!r.ok()) return Status::IoError(r.status().ToString());
  const std::optional<StoredRecord>& rec = r.value();
  if (!rec) return std::optional<TierRecord>();
  return std::optional<TierRecord>(TierRecord{rec->value, rec->expire_at_ms, rec->version});
}

}  // namespace cairn
