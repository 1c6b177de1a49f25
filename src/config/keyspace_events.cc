#include "keyspace_events.h"

namespace cairn::config_internal {
namespace {

struct FlagChar {
  char c;
  uint32_t bit;
};

// The classes in the order Redis prints them.
constexpr FlagChar kClasses[] = {
    {'g', kEventsGeneric}, {'$', kEventsString}, {'l', kEventsList},    {'s', kEventsSet},
    {'h', kEventsHash},    {'z', kEventsZset},   {'x', kEventsExpired}, {'e', kEventsEvicted},
    {'t', kEventsStream},  {'d', kEventsModule}, {'n', kEventsNew},
};
constexpr FlagChar kTargets[] = {
    {'K', kEventsKeyspace}, {'E', kEventsKeyevent}, {'m', kEventsKeyMiss}};

// The bit for one flag character other than 'A'; 0 if the character is not a flag.
uint32_t FlagBit(char c) {
  for (const FlagChar& f : kClasses) {
    if (f.c == c) return f.bit;
  }
  for (const FlagChar& f : kTargets) {
    if (f.c == c) return f.bit;
  }
  return 0;
}

}  // namespace

std::optional<uint32_t> ParseKeyspaceEvents(std::string_view flags) {
  uint32_t out = 0;
  for (char c : flags) {
    uint32_t bit = c == 'A' ? kEventsAll : FlagBit(c);
    if (bit == 0) return std::nullopt;
    out |= bit;
  }
  return out;
}

std::string FormatKeyspaceEvents(uint32_t flags) {
  std::string out;
  if ((flags & kEventsAll) == kEventsAll) {
    out += 'A';
  } else {
    for (const FlagChar& f : kClasses) {
      if (flags & f.bit) out += f.c;
    }
  }
  for (const FlagChar& f : kTargets) {
    if (flags & f.bit) out += f.c;
  }
  return out;
}

}  // namespace cairn::config_internal
