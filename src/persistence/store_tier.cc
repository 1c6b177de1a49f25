#include "cairn/persistence/store_tier.h"

#include <vector>

namespace cairn {

std::string StoreTier::Write(std::span<const TierWrite> writes) {
  std::vector<StoreOp> ops;
  ops.reserve(writes.size());
  for (const TierWrite& w : writes) {
    if (w.is_delete) {
      ops.push_back(StoreOp::Delete(std::string(w.key)));
    } else {
      ops.push_back(StoreOp::Put(std::string(w.key),
                                 StoredRecord{std::string(w.value), w.expire_at_ms, w.version, 0}));
    }
  }
  Status st = store_.WriteBatch(ops);
  return st.ok() ? std::string() : st.ToString();
}

std::string StoreTier::Clear() {
  // In rounds of bounded size: ForEach must not call into the store, so collect, then delete.
  constexpr size_t kRound = 10'000;
  while (true) {
    std::vector<StoreOp> ops;
    Status st = store_.ForEach([&](std::string_view key, const StoredRecord&) {
      ops.push_back(StoreOp::Delete(std::string(key)));
      return ops.size() < kRound;
    });
    if (!st.ok() && st.code() != StatusCode::kAborted) return st.ToString();
    if (ops.empty()) return {};
    if (Status w = store_.WriteBatch(ops); !w.ok()) return w.ToString();
    if (ops.size() < kRound) return {};
  }
}

std::optional<TierRecord> StoreTier::Read(std::string_view key, std::string* error) {
  auto r = store_.Get(key);
  if (!r.ok()) {
    if (error != nullptr) *error = r.status().ToString();
    return std::nullopt;
  }
  const std::optional<StoredRecord>& rec = r.value();
  if (!rec) return std::nullopt;
  return TierRecord{rec->value, rec->expire_at_ms, rec->version};
}

}  // namespace cairn
