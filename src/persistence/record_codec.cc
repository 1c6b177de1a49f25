// The one codec between StoredRecord and cairn.v1.Record bytes. Encode and Decode go through the
// generated message (the .proto is the single source of truth); each thread keeps one scratch
// message so that steady-state encoding and decoding allocate nothing beyond the output.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "cairn/persistence/stored_record.h"
#include "cairn/v1/record.pb.h"

namespace cairn {
namespace {

using google::protobuf::internal::WireFormatLite;

// Separate scratch messages: a decoded record's unknown fields must never leak into an encoding.
v1::Record& EncodeScratch() {
  thread_local v1::Record msg;
  return msg;
}

v1::Record& DecodeScratch() {
  thread_local v1::Record msg;
  return msg;
}

}  // namespace

std::string RecordCodec::Encode(const StoredRecord& rec) {
  std::string out;
  EncodeTo(rec, &out);
  return out;
}

void RecordCodec::EncodeTo(const StoredRecord& rec, std::string* out) {
  v1::Record& msg = EncodeScratch();
  msg.set_value(rec.value);
  msg.set_expire_at_ms(rec.expire_at_ms);
  msg.set_version(rec.version);
  msg.set_flags(rec.flags);
  out->clear();
  msg.AppendToString(out);
}

std::optional<StoredRecord> RecordCodec::Decode(std::string_view bytes) {
  StoredRecord rec;
  if (!DecodeTo(bytes, &rec)) return std::nullopt;
  return rec;
}

bool RecordCodec::DecodeTo(std::string_view bytes, StoredRecord* out) {
  v1::Record& msg = DecodeScratch();  // ParseFromArray clears it, unknown fields included
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  // Swap buffers: the caller gets the parsed bytes, the scratch keeps the old capacity.
  out->value.swap(*msg.mutable_value());
  out->expire_at_ms = msg.expire_at_ms();
  out->version = msg.version();
  out->flags = msg.flags();
  // Unknown fields stay in the scratch and are ignored (record.proto, rule 3).
  return true;
}

std::optional<int64_t> RecordCodec::DecodeExpireAt(std::string_view bytes) {
  constexpr uint32_t kExpireTag =
      WireFormatLite::MakeTag(v1::Record::kExpireAtMsFieldNumber, WireFormatLite::WIRETYPE_VARINT);
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  int64_t expire_at_ms = 0;
  for (;;) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) break;
    if (tag == kExpireTag) {
      uint64_t v = 0;
      if (!in.ReadVarint64(&v)) return std::nullopt;
      expire_at_ms = static_cast<int64_t>(v);  // last occurrence wins, as in a full parse
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
  if (!in.ConsumedEntireMessage()) return std::nullopt;
  return expire_at_ms;
}

}  // namespace cairn
