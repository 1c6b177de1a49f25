// One hash function for keys, used for shard routing and the shard index (XXH3, from xxhash).
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn {

uint64_t HashKey(std::string_view key) noexcept;

}  // namespace cairn
