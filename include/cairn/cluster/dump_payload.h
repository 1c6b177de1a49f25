// DUMP / RESTORE payloads: the bytes that carry one key's value between nodes when a slot moves
// (MIGRATE sends RESTORE-ASKING key ttl payload), and that DUMP returns to any client. Cairn
// keeps only strings, and uses Redis 7.0's payload for a string, so a payload from either
// server restores on the other:
//
//   type     1 byte   0 (RDB_TYPE_STRING); any other type is refused ("Bad data format")
//   value    RDB string encoding: a length then the bytes, where the length is
//              00xxxxxx                   6 bits
//              01xxxxxx xxxxxxxx          14 bits, big-endian
//              10000000 + 4 bytes         32 bits, big-endian
//              10000001 + 8 bytes         64 bits, big-endian
//            or a special encoding 11xxxxxx: 0 an int8, 1 an int16, 2 an int32 (little-endian,
//            the value is its decimal text), 3 LZF (compressed length, value length, data)
//   version  2 bytes  RDB version, little-endian; Cairn writes 10 (Redis 7.0's), reads <= 10
//   crc      8 bytes  CRC-64/Jones (Redis's crc64.c) of everything before, little-endian
//
// Encode writes an integer encoding for integer text that fits 32 bits (as Redis does) and the
// plain length encoding otherwise: it never compresses, so for a string of 21 bytes or more that
// Redis would LZF-compress the bytes differ, and each side still reads the other's.
//
// Decode is for hostile input: every length is checked against the bytes present and against
// `max_value_bytes` before anything is allocated (an LZF header claiming 2^60 bytes is refused,
// not allocated), LZF back-references are checked against the output written so far, trailing
// bytes are refused, and the work is linear in the payload's size. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::cluster {

inline constexpr uint16_t kDumpRdbVersion = 10;

// Redis's crc64 (Jones polynomial, reflected, initial value 0): crc64("123456789") is
// 0xe9c6d914c4b8d9ca.
uint64_t Crc64(uint64_t crc, std::string_view data);

std::string EncodeDump(std::string_view value);

enum class DumpError : uint8_t {
  kOk,
  kVersionOrChecksum,  // "ERR DUMP payload version or checksum are wrong"
  kBadFormat,          // "ERR Bad data format"
};
// Sets `value` and returns kOk, or returns why the payload is refused (`value` unspecified).
DumpError DecodeDump(std::string_view payload, size_t max_value_bytes, std::string& value);

}  // namespace cairn::cluster
