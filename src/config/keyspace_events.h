// notify-keyspace-events: Redis's flag letters <-> ServerConfig::notify_keyspace_events.
//
// The bits have Redis's values (server.h NOTIFY_*), the same as the observability module's
// NotifyClass, so main hands the mask to the keyspace notifier as it is. The config module keeps
// its own copy of the letter table (it may not depend on observability); the tests pin the bit
// values to Redis's.
//
// Internal to the config module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::config_internal {

inline constexpr uint32_t kEventsKeyspace = 1u << 0;  // K: channel __keyspace@0__:<key>
inline constexpr uint32_t kEventsKeyevent = 1u << 1;  // E: channel __keyevent@0__:<event>
inline constexpr uint32_t kEventsGeneric = 1u << 2;   // g
inline constexpr uint32_t kEventsString = 1u << 3;    // $
inline constexpr uint32_t kEventsList = 1u << 4;      // l
inline constexpr uint32_t kEventsSet = 1u << 5;       // s
inline constexpr uint32_t kEventsHash = 1u << 6;      // h
inline constexpr uint32_t kEventsZset = 1u << 7;      // z
inline constexpr uint32_t kEventsExpired = 1u << 8;   // x
inline constexpr uint32_t kEventsEvicted = 1u << 9;   // e
inline constexpr uint32_t kEventsStream = 1u << 10;   // t
inline constexpr uint32_t kEventsKeyMiss = 1u << 11;  // m (not part of A)
inline constexpr uint32_t kEventsModule = 1u << 13;   // d
inline constexpr uint32_t kEventsNew = 1u << 14;      // n (not part of A)
// A: g$lshzxetd.
inline constexpr uint32_t kEventsAll = kEventsGeneric | kEventsString | kEventsList | kEventsSet |
                                       kEventsHash | kEventsZset | kEventsExpired | kEventsEvicted |
                                       kEventsStream | kEventsModule;

// Redis's keyspaceEventsStringToFlags: every character must be one of "Ag$lshzxeKEtmdn"
// (case-sensitive; repeats allowed; "" = notifications off). nullopt on any other character.
std::optional<uint32_t> ParseKeyspaceEvents(std::string_view flags);

// Redis's keyspaceEventsFlagsToString, the CONFIG GET form: "A" when every class of A is set,
// else the classes in the order g$lshzxetdn; then K, E, m. Like Redis, 'n' is not shown next to
// A ("AKEn" reads back as "AKE") although the bit stays set.
std::string FormatKeyspaceEvents(uint32_t flags);

}  // namespace cairn::config_internal
