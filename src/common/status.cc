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

}  // namespace cairn
