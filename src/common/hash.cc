#include "cairn/common/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace cairn {

uint64_t HashKey(std::string_view key) noexcept { return XXH3_64bits(key.data(), key.size()); }

}  // namespace cairn
