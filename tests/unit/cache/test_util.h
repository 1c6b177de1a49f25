// Helpers shared by the cache tests.
#pragma once

#include <string>
#include <unordered_map>

#include "cairn/cache/cache_manager.h"

namespace cairn::testing {

inline std::string GetValue(CacheManager& c, std::string_view key) {
  std::string out = "<missing>";
  c.Get(key, [&](const Entry& e) { out.assign(e.value()); });
  return out;
}

// Every live entry, by a full SCAN.
inline std::unordered_map<std::string, std::string> Dump(CacheManager& c) {
  std::unordered_map<std::string, std::string> out;
  uint64_t cursor = 0;
  do {
    cursor = c.Scan(cursor, 100, [&](const Entry& e) { out[std::string(e.key())] = e.value(); });
  } while (cursor != 0);
  return out;
}

// Sum of the charges of every resident entry.
inline uint64_t SumCharges(CacheManager& c) {
  uint64_t sum = 0;
  uint64_t cursor = 0;
  do {
    cursor = c.Scan(cursor, 100, [&](const Entry& e) { sum += e.charge(); });
  } while (cursor != 0);
  return sum;
}

}  // namespace cairn::testing
