// Number parsing and formatting with Redis's rules (no leading spaces, no '+', full string).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn {

std::optional<int64_t> ParseInt64(std::string_view s);
std::optional<uint64_t> ParseUint64(std::string_view s);
// Parses a long double the way INCRBYFLOAT does; rejects NaN and infinity and spaces.
std::optional<long double> ParseLongDouble(std::string_view s);
// Formats like Redis's ld2string (humanfriendly mode): up to 17 significant digits, no exponent,
// trailing zeros removed.
std::string FormatLongDouble(long double v);
// Case-insensitive ASCII equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;
// Parses sizes with Redis units: 1k 1kb 1m 1mb 1g 1gb (k = 1000, kb = 1024) or plain bytes.
std::optional<uint64_t> ParseMemory(std::string_view s);

}  // namespace cairn
