// Byte-level framing of snapshot files, shared by the writer and the reader (the grammar is in
// proto/cairn/v1/snapshot.proto). Internal to the persistence module.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cairn::snapshot_format {

inline constexpr std::string_view kMagic = "CAIRNSNP";
inline constexpr size_t kPrefixSize = 12;      // magic + u32 LE format version
inline constexpr size_t kFrameHeaderSize = 5;  // u8 kind + u32 LE payload length
inline constexpr size_t kChecksumSize = 8;     // u64 LE
inline constexpr size_t kFrameOverhead = kFrameHeaderSize + kChecksumSize;
inline constexpr uint64_t kMaxPayload = 0x7fffffff;  // protobuf's 2 GiB message limit

enum FrameKind : uint8_t { kHeader = 1, kChunk = 2, kTrailer = 3 };

inline void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Checksum of a frame's kind, length and payload (`len` bytes from `frame`), seeded with the
// frame's index in the file so that a moved, dropped or duplicated frame fails its check.
uint64_t FrameChecksum(const char* frame, size_t len, uint64_t frame_index);

inline std::string ErrnoText(int err) { return std::strerror(err); }

}  // namespace cairn::snapshot_format
