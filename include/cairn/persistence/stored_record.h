// What the backing store holds for one key, and the one codec between it and the bytes on disk
// (cairn.v1.Record, proto/cairn/v1/record.proto, whose top comment states the compatibility
// rules). No protobuf type leaks out of the persistence module: callers see this plain struct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn {

struct StoredRecord {
  std::string value;
  int64_t expire_at_ms = 0;  // absolute Unix ms; 0 = no expiry
  uint64_t version = 0;      // cache version of the key when written
  uint32_t flags = 0;        // owned by the cache; unknown bits must be ignored

  bool ExpiredAt(int64_t now_ms) const { return expire_at_ms != 0 && expire_at_ms <= now_ms; }
  friend bool operator==(const StoredRecord&, const StoredRecord&) = default;
};

class RecordCodec {
 public:
  static std::string Encode(const StoredRecord& rec);
  // Replaces *out with the encoding of `rec`, reusing out's capacity (no allocation once warm).
  static void EncodeTo(const StoredRecord& rec, std::string* out);
  // nullopt when `bytes` is not a valid Record. Fields this build does not know are ignored
  // (see record.proto, rule 3).
  static std::optional<StoredRecord> Decode(std::string_view bytes);
  // Decode into *out, reusing its capacity. False (and *out unspecified) when invalid.
  static bool DecodeTo(std::string_view bytes, StoredRecord* out);
  // Reads only expire_at_ms, without copying the value (compaction filter). nullopt = invalid.
  static std::optional<int64_t> DecodeExpireAt(std::string_view bytes);
};

}  // namespace cairn
