#include "cairn/persistence/memory_store.h"

namespace cairn {

Result<std::optional<StoredRecord>> MemoryStore::Get(std::string_view key) {
  std::lock_guard lock(mu_);
  if (closed_) return Status::Closed();
  ++stats_.gets;
  if (Status s = TakeReadFault(); !s.ok()) return s;
  auto it = records_.find(key);
  if (it == records_.end()) return std::optional<StoredRecord>();
  std::optional<StoredRecord> rec = RecordCodec::Decode(it->second);
  if (!rec) return Status::Corruption("stored record is invalid");
  return rec;
}

Status MemoryStore::WriteBatch(std::span<const StoreOp> ops) {
  std::function<void(std::span<const StoreOp>)> hook;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::Closed();
    hook = hook_;
  }
  if (hook) hook(ops);  // outside the lock: the hook may block on the test's latch

  std::lock_guard lock(mu_);
  if (closed_) return Status::Closed();
  ++stats_.write_batches;
  if (fail_writes_ > 0) {
    --fail_writes_;
    ++stats_.failed_batches;
    return Status::IoError(write_fault_message_);
  }
  // Encode everything first so that the batch applies all or nothing.
  std::vector<std::string> encoded(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind == StoreOp::Kind::kPut) RecordCodec::EncodeTo(ops[i].record, &encoded[i]);
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    const StoreOp& op = ops[i];
    if (op.kind == StoreOp::Kind::kPut) {
      records_.insert_or_assign(std::string(op.key), std::move(encoded[i]));
      ++stats_.puts;
    } else {
      if (auto it = records_.find(op.key); it != records_.end()) records_.erase(it);
      ++stats_.deletes;
    }
  }
  stats_.batch_sizes.push_back(ops.size());
  return Status::Ok();
}

Status MemoryStore::ForEach(StoreVisitor visit) {
  std::lock_guard lock(mu_);  // the lock makes the scan a consistent view
  if (closed_) return Status::Closed();
  if (Status s = TakeReadFault(); !s.ok()) return s;
  StoredRecord rec;
  for (const auto& [key, bytes] : records_) {
    if (!RecordCodec::DecodeTo(bytes, &rec)) return Status::Corruption("stored record is invalid");
    if (!visit(key, rec)) break;
  }
  return Status::Ok();
}

Status MemoryStore::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  return Status::Ok();
}

void MemoryStore::FailNextWrites(uint64_t n, std::string message) {
  std::lock_guard lock(mu_);
  fail_writes_ = n;
  write_fault_message_ = std::move(message);
}

void MemoryStore::FailNextReads(uint64_t n, std::string message) {
  std::lock_guard lock(mu_);
  fail_reads_ = n;
  read_fault_message_ = std::move(message);
}

void MemoryStore::SetWriteHook(std::function<void(std::span<const StoreOp>)> hook) {
  std::lock_guard lock(mu_);
  hook_ = std::move(hook);
}

size_t MemoryStore::size() const {
  std::lock_guard lock(mu_);
  return records_.size();
}

MemoryStoreStats MemoryStore::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status MemoryStore::TakeReadFault() {
  if (fail_reads_ == 0) return Status::Ok();
  --fail_reads_;
  ++stats_.failed_reads;
  return Status::IoError(read_fault_message_);
}

}  // namespace cairn
