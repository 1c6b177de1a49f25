// Status and Result<T> of the persistence layer (RocksDB, snapshot files): unlike the cache's
// OpStatus, a storage failure carries a message for the operator ("IO error: While open a file
// for appending: /data/000012.log: Permission denied"). Only the command layer turns them into
// RESP; the write policies turn them into flush_error events and retries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace cairn {

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
