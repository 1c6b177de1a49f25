// Redis-compatible glob matching, the one matcher for every pattern the server evaluates (KEYS,
// SCAN MATCH, PSUBSCRIBE and PUBLISH, PUBSUB CHANNELS, keyspace notifications, CONFIG GET,
// COMMAND LIST FILTERBY): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes. Binary-safe. Its cost is
// bounded by (pattern + 1) x (text + 1) steps whatever the input (see glob.cc).
#pragma once

#include <cstddef>
#include <string_view>

namespace cairn {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

// GlobMatch that adds the steps it took to `steps` (tests and fuzzing check the bound).
bool GlobMatchCounted(std::string_view pattern, std::string_view text, bool nocase, size_t& steps);

}  // namespace cairn
