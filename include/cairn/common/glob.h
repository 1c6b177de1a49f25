// Redis-compatible glob matching (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE):
// `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes. Binary-safe.
#pragma once

#include <string_view>

namespace cairn {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace cairn
