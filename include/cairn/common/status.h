// Status codes returned by data operations. Only the command layer turns them into RESP.
#pragma once

#include <cstdint>
#include <optional>
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

}  // namespace cairn
