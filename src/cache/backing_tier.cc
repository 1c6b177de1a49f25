#include "cairn/cache/backing_tier.h"

#include "cairn/common/strings.h"

namespace cairn {

const char* ToString(WriteMode m) {
  switch (m) {
    case WriteMode::kNone:
      return "none";
    case WriteMode::kWriteThrough:
      return "write-through";
    case WriteMode::kWriteBack:
      return "write-back";
  }
  return "none";
}

std::optional<WriteMode> ParseWriteMode(std::string_view s) {
  if (EqualsIgnoreCase(s, "none")) return WriteMode::kNone;
  if (EqualsIgnoreCase(s, "write-through")) return WriteMode::kWriteThrough;
  if (EqualsIgnoreCase(s, "write-back")) return WriteMode::kWriteBack;
  return std::nullopt;
}

}  // namespace cairn
