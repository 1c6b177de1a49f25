// The one codec between StoredRecord and cairn.v1.Record bytes.
//
// Decoding goes through the generated message, so that any valid encoding of a Record (field
// order, repeated fields, unknown fields) is read as protobuf reads it. Encoding writes the bytes
// the generated message would write (proto3: fields in number order, zero fields omitted), with
// the generated field numbers and protobuf's own wire-format helpers, but in pieces around the
// value (EncodeParts): a write-back flush hands the value from its batch buffer straight to
// RocksDB instead of copying it into a message and out again. record_codec_test checks the bytes
// against the generated message's serialization. A decoding thread keeps one scratch message, so
// steady-state decoding allocates nothing beyond the output.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "cairn/persistence/stored_record.h"
#include "cairn/v1/record.pb.h"

namespace cairn {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

v1::Record& DecodeScratch() {
  thread_local v1::Record msg;
  return msg;
}

// Appends field `number`'s varint (tag, then value) at `p`; returns the new end.
uint8_t* PutVarintField(uint8_t* p, int number, uint64_t v) {
  p = CodedOutputStream::WriteTagToArray(
      WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_VARINT), p);
  return CodedOutputStream::WriteVarint64ToArray(v, p);
}

}  // namespace

void RecordCodec::EncodeParts(const StoredRecordView& rec, RecordParts* out) {
  auto* head = reinterpret_cast<uint8_t*>(out->head.data());
  uint8_t* h = head;
  if (!rec.value.empty()) {
    h = CodedOutputStream::WriteTagToArray(
        WireFormatLite::MakeTag(v1::Record::kValueFieldNumber,
                                WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
        h);
    h = CodedOutputStream::WriteVarint64ToArray(rec.value.size(), h);
  }
  out->head_len = static_cast<uint8_t>(h - head);
  out->value = rec.value;
  auto* tail = reinterpret_cast<uint8_t*>(out->tail.data());
  uint8_t* t = tail;
  if (rec.expire_at_ms != 0) {  // int64: a negative value is its 10-byte two's complement
    t = PutVarintField(t, v1::Record::kExpireAtMsFieldNumber,
                       static_cast<uint64_t>(rec.expire_at_ms));
  }
  if (rec.version != 0) t = PutVarintField(t, v1::Record::kVersionFieldNumber, rec.version);
  if (rec.flags != 0) t = PutVarintField(t, v1::Record::kFlagsFieldNumber, rec.flags);
  out->tail_len = static_cast<uint8_t>(t - tail);
}

std::string RecordCodec::Encode(const StoredRecordView& rec) {
  std::string out;
  EncodeTo(rec, &out);
  return out;
}

void RecordCodec::EncodeTo(const StoredRecordView& rec, std::string* out) {
  RecordParts parts;
  EncodeParts(rec, &parts);
  out->clear();
  out->reserve(parts.size());
  out->append(parts.head_bytes()).append(parts.value).append(parts.tail_bytes());
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
