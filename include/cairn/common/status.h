// The two status types of Cairn, one for each purpose; only the command layer turns them into RESP.
//   OpStatus  the outcome code of a cache data operation (found, applied, refused ...): one byte,
//             returned on every request's path; it carries no text.
//   Status    an error with its message, the one way a failure's explanation travels (the
//             persistent tier and RocksDB, snapshot files, the write policy, the flush): "IO
//             error: While open a file for appending: /data/000012.log: Permission denied".
//             Result<T> is a value or the Status that explains why there is none.
// A cache write the tier refused answers OpStatus::kIoError; the tier's Status is kept as the
// cache's last tier error (CacheManager::tier_error()), which the reply quotes, as Redis's
// MISCONF quotes its last persistence error. No error travels through thread-locals or string
// out-parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace cairn {

enum class OpStatus : uint8_t {
  kOk,
  kNotFound,      // key absent (or expired)
  kNotApplied,    // a condition (NX / XX / GT / LT ...) was not met
  kOutOfMemory,   // no room: capacity reached and nothing evictable
  kNotInteger,    // value is not an integer or out of range
  kOverflow,      // increment or decrement would overflow
  kInvalid,       // invalid argument for the operation
  kConflict,      // version mismatch (undo of a key changed since)
  kIoError,       // the persistent tier refused a write-through write (nothing changed)
  kBackpressure,  // write-back backlog over its hard limit (write-back-overflow reject)
};

const char* ToString(OpStatus s);

// A status plus a value when the status is kOk.
template <typename T>
struct OpResult {
  OpStatus status = OpStatus::kOk;
  std::optional<T> value;

  OpResult(OpStatus s) : status(s) {}     // NOLINT: implicit for `return OpStatus::kNotFound;`
  OpResult(T v) : value(std::move(v)) {}  // NOLINT
  bool ok() const { return status == OpStatus::kOk; }
};

enum class StatusCode : uint8_t {
  kOk,
  kNotFound,         // a snapshot file that does not exist
  kIoError,          // the OS or the store failed (permissions, disk full, read-only dir ...)
  kCorruption,       // bytes on disk are not what was written (checksum, truncation, bad magic)
  kInvalidArgument,  // bad options or arguments
  kNotSupported,     // e.g. a compression this librocksdb was built without
  kClosed,           // the store was closed
  kAborted,          // a visitor asked to stop
};

const char* ToString(StatusCode c);

class Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotSupported(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
  static Status Closed() { return {StatusCode::kClosed, "store is closed"}; }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "OK" or "<code>: <message>", e.g. "Corruption: snapshot chunk 3 at offset 1048601: checksum
  // mismatch".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value, or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit for `return value;`
  Result(Status status) : status_(std::move(status)) {  // NOLINT: for `return Status::...;`
    if (status_.ok()) status_ = Status::InvalidArgument("Result built from an ok Status");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace cairn
