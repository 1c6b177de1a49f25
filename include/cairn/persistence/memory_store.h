// MemoryStore: an in-memory BackingStore for tests, with fault injection.
//
// Records are kept encoded (through RecordCodec, like RocksDbStore) in an ordered map, so a test
// against MemoryStore exercises the same serialization as production. Faults:
//   FailNextWrites(n)  the next n WriteBatch calls fail with kIoError and apply nothing, then
//                      the store recovers (a flaky disk, a full disk that was cleaned up);
//   FailNextReads(n)   the same for Get and ForEach;
//   SetWriteHook(fn)   fn runs at the start of every WriteBatch, outside the store's lock: a
//                      test blocks a flush on a latch it controls (a slow store) without sleeping.
// Stats count attempts, failures and ops, so tests assert batch sizes and retries.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/persistence/backing_store.h"

namespace cairn {

struct MemoryStoreStats {
  uint64_t gets = 0;
  uint64_t write_batches = 0;   // WriteBatch calls, failed ones included
  uint64_t failed_batches = 0;  // injected write failures
  uint64_t failed_reads = 0;    // injected read failures
  uint64_t puts = 0;            // ops applied by successful batches
  uint64_t deletes = 0;
  std::vector<size_t> batch_sizes;  // op count of every successful batch, in order
};

class MemoryStore final : public BackingStore {
 public:
  MemoryStore() = default;

  std::string_view name() const override { return "memory"; }
  Result<std::optional<StoredRecord>> Get(std::string_view key) override;
  Status WriteBatch(std::span<const StoreOp> ops) override;
  Status ForEach(StoreVisitor visit) override;
  Status Close() override;

  void FailNextWrites(uint64_t n, std::string message = "injected write failure");
  void FailNextReads(uint64_t n, std::string message = "injected read failure");
  void SetWriteHook(std::function<void(std::span<const StoreOp>)> hook);

  size_t size() const;
  MemoryStoreStats stats() const;

 private:
  Status TakeReadFault();  // under mu_

  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> records_;  // key -> encoded Record
  bool closed_ = false;
  uint64_t fail_writes_ = 0;
  uint64_t fail_reads_ = 0;
  std::string write_fault_message_;
  std::string read_fault_message_;
  std::function<void(std::span<const StoreOp>)> hook_;
  MemoryStoreStats stats_;
};

}  // namespace cairn
