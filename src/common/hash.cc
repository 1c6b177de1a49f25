#include "cairn/common/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace cairn {

namespace {

alignas(64) unsigned char g_secret[XXH3_SECRET_DEFAULT_SIZE];
bool g_keyed = false;

}  // namespace

uint64_t HashKey(std::string_view key) noexcept {
  if (g_keyed) return XXH3_64bits_withSecret(key.data(), key.size(), g_secret, sizeof(g_secret));
  return XXH3_64bits(key.data(), key.size());
}

void SeedKeyHash(uint64_t seed) noexcept {
  g_keyed = seed != 0;
  if (g_keyed) XXH3_generateSecret_fromSeed(g_secret, seed);
}

}  // namespace cairn
