// Redis Cluster's key -> hash slot function: CRC16 (XMODEM: polynomial 0x1021, initial value 0,
// no reflection, the table of Redis's crc16.c) of the key, or of its hash tag, modulo 16384.
// The hash tag is the text between the first '{' and the first '}' after it, when that text is
// not empty ("{user1}.a" and "{user1}.b" share a slot; "{}a" hashes whole). Pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::cluster {

inline constexpr uint32_t kSlots = 16384;

uint16_t Crc16(std::string_view data);
uint16_t KeySlot(std::string_view key);

}  // namespace cairn::cluster
