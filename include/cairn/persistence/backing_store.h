// The backing-store contract: the durable tier behind the in-memory cache.
//
// A backing store maps cache keys to StoredRecords. The write policies (write-through,
// write-back) write to it, read-through and warm-load read from it. Two implementations:
//   RocksDbStore (rocksdb_store.h) - the real one, embedded RocksDB in the data dir;
//   MemoryStore  (memory_store.h)  - an ordered map with fault injection, for tests.
// One contract test (tests/unit/persistence/backing_store_contract_test.cc) runs against both.
//
// Contract:
//  - Get returns the record as stored (ok + nullopt when absent). It does NOT filter expired
//    records: expired ones disappear at the store's leisure (RocksDB: in compaction), so readers
//    check StoredRecord::ExpiredAt(now) themselves.
//  - WriteBatch applies all ops or none, in order (a later op on the same key wins), and is
//    durable when it returns ok to the degree the store promises (RocksDB: in the WAL, and
//    fsynced when write-sync is on). On failure nothing was applied and the caller keeps its
//    data to retry: a failed batch never loses the caller's entries.
//  - ForEach visits every record in ascending bytewise key order from a consistent point-in-time
//    view, holding one record in memory at a time (warm-load of a store larger than RAM). The
//    visitor returns false to stop early (Status ok). The visitor must not call into the store.
//  - All methods are thread-safe, except Close, which the owner calls once no other call is in
//    flight. After Close every method returns StatusCode::kClosed.
//  - Failures are Status values with a message for the operator; nothing throws, nothing aborts.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "cairn/common/function_ref.h"
#include "cairn/persistence/status.h"
#include "cairn/persistence/stored_record.h"

namespace cairn {

// One write of a batch: put `record` under `key`, or delete `key`. It holds views: the caller
// keeps the bytes alive for the WriteBatch call, and nothing is copied on the way to the store
// (a write-back flush writes straight from its batch buffers). Put and Delete refuse, at compile
// time, a temporary std::string or StoredRecord, whose bytes would be gone by then.
struct StoreOp {
  enum class Kind : uint8_t { kPut, kDelete };

  template <typename Key, typename Record>
  static StoreOp Put(Key&& key, Record&& record) {
    static_assert(!IsTemporary<Key, std::string>, "StoreOp views its key: keep it alive");
    static_assert(!IsTemporary<Record, StoredRecord>, "StoreOp views its record: keep it alive");
    return {Kind::kPut, std::string_view(key), StoredRecordView(record)};
  }
  template <typename Key>
  static StoreOp Delete(Key&& key) {
    static_assert(!IsTemporary<Key, std::string>, "StoreOp views its key: keep it alive");
    return {Kind::kDelete, std::string_view(key), {}};
  }

  Kind kind = Kind::kPut;
  std::string_view key;
  StoredRecordView record;  // kPut only

 private:
  template <typename Arg, typename Owner>
  static constexpr bool IsTemporary =
      std::is_same_v<std::remove_cvref_t<Arg>, Owner> && !std::is_lvalue_reference_v<Arg>;
};

// Visitor for ForEach: (key, record) -> keep going? Both references are valid during the call.
using StoreVisitor = FunctionRef<bool(std::string_view key, const StoredRecord& record)>;

class BackingStore {
 public:
  virtual ~BackingStore() = default;

  // "rocksdb", "memory": for logs and INFO.
  virtual std::string_view name() const = 0;
  virtual Result<std::optional<StoredRecord>> Get(std::string_view key) = 0;
  virtual Status WriteBatch(std::span<const StoreOp> ops) = 0;
  virtual Status ForEach(StoreVisitor visit) = 0;
  virtual Status Close() = 0;
};

}  // namespace cairn
