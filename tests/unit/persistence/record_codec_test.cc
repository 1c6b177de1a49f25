#include <gtest/gtest.h>

#include <limits>

#include "cairn/persistence/stored_record.h"
#include "cairn/v1/record.pb.h"
#include "record_v2_test.pb.h"

namespace cairn {
namespace {

std::vector<StoredRecord> Samples() {
  return {
      StoredRecord{},
      StoredRecord{"v", 0, 1, 0},
      StoredRecord{std::string("a\0b\r\n\xff", 6), 1'700'000'000'123, 42, 7},
      StoredRecord{std::string(100'000, 'x'), std::numeric_limits<int64_t>::max(),
                   std::numeric_limits<uint64_t>::max(), std::numeric_limits<uint32_t>::max()},
      StoredRecord{"negative expiry is carried as is", -5, 3, 1},
  };
}

TEST(RecordCodecTest, RoundTrip) {
  for (const StoredRecord& rec : Samples()) {
    const std::string bytes = RecordCodec::Encode(rec);
    std::optional<StoredRecord> back = RecordCodec::Decode(bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, rec);
    EXPECT_EQ(RecordCodec::DecodeExpireAt(bytes), rec.expire_at_ms);
  }
}

TEST(RecordCodecTest, EncodingIsTheGeneratedRecordMessage) {
  for (const StoredRecord& rec : Samples()) {
    v1::Record msg;
    ASSERT_TRUE(msg.ParseFromString(RecordCodec::Encode(rec)));
    EXPECT_EQ(msg.value(), rec.value);
    EXPECT_EQ(msg.expire_at_ms(), rec.expire_at_ms);
    EXPECT_EQ(msg.version(), rec.version);
    EXPECT_EQ(msg.flags(), rec.flags);
  }
}

// The codec writes the bytes itself (in pieces, around the value): they must be exactly what
// the generated message serializes, for every field present or omitted, negative and maximal.
TEST(RecordCodecTest, EncodingIsByteForByteTheGeneratedSerialization) {
  std::vector<StoredRecord> samples = Samples();
  samples.push_back({"", 0, 0, 1});                           // only flags
  samples.push_back({"", 0, 127, 0});                         // one-byte varint edge
  samples.push_back({std::string(127, 'a'), 128, 16384, 0});  // length and varints at edges
  samples.push_back({std::string(128, 'b'), std::numeric_limits<int64_t>::min(), 1, 0});
  for (const StoredRecord& rec : samples) {
    SCOPED_TRACE(rec.value.size());
    v1::Record msg;
    msg.set_value(rec.value);
    msg.set_expire_at_ms(rec.expire_at_ms);
    msg.set_version(rec.version);
    msg.set_flags(rec.flags);
    const std::string expected = msg.SerializeAsString();
    EXPECT_EQ(RecordCodec::Encode(rec), expected);
    RecordParts parts;
    RecordCodec::EncodeParts(rec, &parts);
    EXPECT_EQ(parts.value.data(), rec.value.data()) << "the value is viewed, not copied";
    EXPECT_EQ(parts.size(), expected.size());
    EXPECT_EQ(std::string(parts.head_bytes()) + std::string(parts.value) +
                  std::string(parts.tail_bytes()),
              expected);
  }
}

TEST(RecordCodecTest, EncodeToAndDecodeToReuseBuffersWithoutMixingRecords) {
  std::string buf;
  StoredRecord out;
  RecordCodec::EncodeTo(StoredRecord{std::string(1000, 'a'), 5, 6, 7}, &buf);
  ASSERT_TRUE(RecordCodec::DecodeTo(buf, &out));
  EXPECT_EQ(out.value, std::string(1000, 'a'));
  RecordCodec::EncodeTo(StoredRecord{"b", 0, 9, 0}, &buf);
  ASSERT_TRUE(RecordCodec::DecodeTo(buf, &out));
  EXPECT_EQ(out, (StoredRecord{"b", 0, 9, 0}));
}

TEST(RecordCodecTest, InvalidBytesAreRefused) {
  // Field 1 (bytes) announcing 5 bytes but carrying 2; a truncated varint; an end-group tag.
  for (std::string_view bad : {std::string_view("\x0a\x05"
                                                "ab",
                                                4),
                               std::string_view("\x10\xff\xff", 3), std::string_view("\x0c", 1)}) {
    EXPECT_FALSE(RecordCodec::Decode(bad).has_value()) << testing::PrintToString(bad);
    EXPECT_FALSE(RecordCodec::DecodeExpireAt(bad).has_value()) << testing::PrintToString(bad);
  }
}

// record.proto rule 3: a record written by a newer build (with fields this build does not know)
// decodes; the known fields are exact, the unknown ones are ignored.
TEST(RecordCodecTest, ForwardCompatibleUnknownFieldsAreIgnored) {
  test::RecordV2 newer;
  newer.set_value("payload");
  newer.set_expire_at_ms(1'700'000'123'456);
  newer.set_version(77);
  newer.set_flags(2);
  newer.set_origin("replica-3");
  newer.add_tags(1);
  newer.add_tags(uint64_t{1} << 40);
  newer.set_blob(std::string(300, 'z'));
  const std::string bytes = newer.SerializeAsString();

  std::optional<StoredRecord> rec = RecordCodec::Decode(bytes);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(*rec, (StoredRecord{"payload", 1'700'000'123'456, 77, 2}));
  EXPECT_EQ(RecordCodec::DecodeExpireAt(bytes), 1'700'000'123'456);

  // Rewriting the record (the cache replaces whole records) drops the unknown fields, as
  // documented; the known ones survive.
  test::RecordV2 rewritten;
  ASSERT_TRUE(rewritten.ParseFromString(RecordCodec::Encode(*rec)));
  EXPECT_EQ(rewritten.value(), "payload");
  EXPECT_EQ(rewritten.version(), 77u);
  EXPECT_TRUE(rewritten.origin().empty());
  EXPECT_EQ(rewritten.tags_size(), 0);

  // A decode of a record with unknown fields must not leak them into the next encoding.
  EXPECT_EQ(RecordCodec::Encode(StoredRecord{"x", 0, 1, 0}),
            RecordCodec::Encode(*RecordCodec::Decode(RecordCodec::Encode({"x", 0, 1, 0}))));
}

// An older reader's records read by a newer build: the new fields take their defaults.
TEST(RecordCodecTest, BackwardCompatibleNewFieldsDefault) {
  test::RecordV2 newer;
  ASSERT_TRUE(newer.ParseFromString(RecordCodec::Encode({"old", 10, 2, 0})));
  EXPECT_EQ(newer.value(), "old");
  EXPECT_EQ(newer.expire_at_ms(), 10);
  EXPECT_TRUE(newer.origin().empty());
  EXPECT_TRUE(newer.blob().empty());
}

TEST(RecordCodecTest, UnknownFieldsBeforeAndAfterKnownOnesAreSkippedByTheExpiryScan) {
  // Hand-made: unknown varint field 15, known fields, unknown fixed64 field 16, unknown bytes 17.
  std::string bytes("\x78\x2a", 2);
  bytes += RecordCodec::Encode({"v", 12345, 1, 0});
  bytes += std::string(
      "\x81\x01"
      "12345678",
      10);
  bytes += std::string(
      "\x8a\x01\x03"
      "abc",
      6);
  EXPECT_EQ(RecordCodec::DecodeExpireAt(bytes), 12345);
  std::optional<StoredRecord> rec = RecordCodec::Decode(bytes);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->value, "v");
  EXPECT_EQ(rec->expire_at_ms, 12345);
}

TEST(RecordCodecTest, ExpiredAt) {
  EXPECT_FALSE((StoredRecord{"v", 0, 1, 0}).ExpiredAt(1'000));
  EXPECT_FALSE((StoredRecord{"v", 1'001, 1, 0}).ExpiredAt(1'000));
  EXPECT_TRUE((StoredRecord{"v", 1'000, 1, 0}).ExpiredAt(1'000));
}

}  // namespace
}  // namespace cairn
