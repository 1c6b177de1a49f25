#include "cairn/common/status.h"

namespace cairn {

const char* ToString(OpStatus s) {
  switch (s) {
    case OpStatus::kOk:
      return "ok";
    case OpStatus::kNotFound:
      return "not found";
    case OpStatus::kNotApplied:
      return "not applied";
    case OpStatus::kOutOfMemory:
      return "out of memory";
    case OpStatus::kNotInteger:
      return "not an integer";
    case OpStatus::kOverflow:
      return "overflow";
    case OpStatus::kInvalid:
      return "invalid";
    case OpStatus::kConflict:
      return "conflict";
    case OpStatus::kIoError:
      return "i/o error";
    case OpStatus::kBackpressure:
      return "write-back backlog full";
  }
  return "unknown";
}

const char* ToString(StatusCode c) {
  switch (c) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kNotFound:
      return "Not found";
    case StatusCode::kIoError:
      return "IO error";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kInvalidArgument:
      return "Invalid argument";
    case StatusCode::kNotSupported:
      return "Not supported";
    case StatusCode::kClosed:
      return "Closed";
    case StatusCode::kAborted:
      return "Aborted";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s = cairn::ToString(code_);
  if (!message_.empty()) {
    s += ": ";
    s += message_;
  }
  return s;
}

}  // namespace cairn
