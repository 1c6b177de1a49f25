// What the backing store holds for one key, and the one codec between it and the bytes on disk
// (cairn.v1.Record, proto/cairn/v1/record.proto, whose top comment states the compatibility
// rules). No protobuf type leaks out of the persistence module: callers see this plain struct.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn {

// A record by reference, as a write hands it to the store: the bytes belong to the caller.
struct StoredRecordView {
  std::string_view value;
  int64_t expire_at_ms = 0;
  uint64_t version = 0;
  uint32_t flags = 0;
};

struct StoredRecord {
  std::string value;
  int64_t expire_at_ms = 0;  // absolute Unix ms; 0 = no expiry
  uint64_t version = 0;      // cache version of the key when written
  uint32_t flags = 0;        // owned by the cache; unknown bits must be ignored

  bool ExpiredAt(int64_t now_ms) const { return expire_at_ms != 0 && expire_at_ms <= now_ms; }
  operator StoredRecordView() const {  // NOLINT(google-explicit-constructor): a view of this
    return {value, expire_at_ms, version, flags};
  }
  friend bool operator==(const StoredRecord&, const StoredRecord&) = default;
};

// A Record's encoding in three pieces: head, the value bytes themselves (not copied), tail. A
// store hands them to its write as they are (RocksDB SliceParts): the value is copied once, into
// the store's own batch.
struct RecordParts {
  std::array<char, 11> head;  // field 1's tag and length (omitted for an empty value)
  std::array<char, 28> tail;  // fields 2-4, each omitted when 0 (proto3)
  uint8_t head_len = 0;
  uint8_t tail_len = 0;
  std::string_view value;

  std::string_view head_bytes() const { return {head.data(), head_len}; }
  std::string_view tail_bytes() const { return {tail.data(), tail_len}; }
  size_t size() const { return head_len + value.size() + tail_len; }
};

class RecordCodec {
 public:
  static std::string Encode(const StoredRecordView& rec);
  // Replaces *out with the encoding of `rec`, reusing out's capacity (no allocation once warm).
  static void EncodeTo(const StoredRecordView& rec, std::string* out);
  // The encoding of `rec` in pieces (RecordParts); out->value views rec.value.
  static void EncodeParts(const StoredRecordView& rec, RecordParts* out);
  // nullopt when `bytes` is not a valid Record. Fields this build does not know are ignored
  // (see record.proto, rule 3).
  static std::optional<StoredRecord> Decode(std::string_view bytes);
  // Decode into *out, reusing its capacity. False (and *out unspecified) when invalid.
  static bool DecodeTo(std::string_view bytes, StoredRecord* out);
  // Reads only expire_at_ms, without copying the value (compaction filter). nullopt = invalid.
  static std::optional<int64_t> DecodeExpireAt(std::string_view bytes);
};

}  // namespace cairn
