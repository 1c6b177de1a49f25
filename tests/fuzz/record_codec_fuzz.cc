// RecordCodec on any bytes: Decode, DecodeTo (into a used record) and DecodeExpireAt agree;
// where the bytes are a valid Record, Encode(Decode(x)) decodes back to the same record and is
// canonical (encoding it again gives the same bytes), and EncodeTo / EncodeParts give those bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/persistence/stored_record.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "record codec: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::RecordCodec;
  using cairn::StoredRecord;
  const std::string bytes(reinterpret_cast<const char*>(data), size);  // exact-size copy for ASan

  const std::optional<StoredRecord> rec = RecordCodec::Decode(bytes);
  StoredRecord reused{std::string(40, 'x'), 7, 8, 9};
  const bool ok = RecordCodec::DecodeTo(bytes, &reused);
  if (ok != rec.has_value()) Fail("Decode and DecodeTo disagree on validity");
  const std::optional<int64_t> expire = RecordCodec::DecodeExpireAt(bytes);
  if (!rec) return 0;
  if (!(reused == *rec)) Fail("DecodeTo into a used record differs from Decode");
  if (!expire || *expire != rec->expire_at_ms) Fail("DecodeExpireAt differs from Decode");

  const std::string encoded = RecordCodec::Encode(*rec);
  const std::optional<StoredRecord> again = RecordCodec::Decode(encoded);
  if (!again || !(*again == *rec)) Fail("Decode(Encode(record)) differs from the record");
  if (RecordCodec::Encode(*again) != encoded) Fail("encoding is not canonical");
  std::string to(3, 'y');
  RecordCodec::EncodeTo(*rec, &to);
  if (to != encoded) Fail("EncodeTo differs from Encode");
  cairn::RecordParts parts;
  RecordCodec::EncodeParts(*rec, &parts);
  std::string joined(parts.head_bytes());
  joined += parts.value;
  joined += parts.tail_bytes();
  if (joined != encoded || parts.size() != encoded.size()) Fail("EncodeParts differs from Encode");
  if (RecordCodec::DecodeExpireAt(encoded) != rec->expire_at_ms) Fail("expiry lost in Encode");
  return 0;
}
