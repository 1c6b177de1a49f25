// One hash function for keys, used for shard routing and the shard index (XXH3, from xxhash).
//
// Keyed against hash flooding: cairn-server calls SeedKeyHash with a random seed at start, so a
// client cannot precompute keys that all land in one shard and one index bucket (an unkeyed hash
// lets it build a chain that every lookup there walks: one client stalling the others). XXH3 then
// runs with a secret derived from the seed (XXH3_generateSecret_fromSeed), which the xxhash
// documentation recommends over a bare seed for that purpose. Unseeded (tests, benches), the hash
// is plain XXH3_64bits, so simulations stay reproducible.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn {

uint64_t HashKey(std::string_view key) noexcept;

// Keys HashKey with `seed` (0: unkeyed). Call once at start, before any key is hashed and
// before other threads run: hashes taken before and after a change do not match.
void SeedKeyHash(uint64_t seed) noexcept;

}  // namespace cairn
