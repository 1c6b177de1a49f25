// DUMP / RESTORE payloads: Redis 7.0's bytes for strings (payloads taken from redis-server 7.0's
// DUMP), and hostile payloads refused without reading or allocating past what they carry.
#include "cairn/cluster/dump_payload.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace cairn::cluster {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Re-signs a payload body (everything but the CRC) so that only its body is judged.
std::string Sign(std::string body_and_version) {
  const uint64_t crc = Crc64(0, body_and_version);
  for (int i = 0; i < 8; ++i)
    body_and_version.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return body_and_version;
}

DumpError Decode(std::string_view payload, std::string& value, size_t max = 1 << 20) {
  return DecodeDump(payload, max, value);
}

TEST(DumpPayloadTest, Crc64IsRedissCrc64Jones) {
  EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL);
}

TEST(DumpPayloadTest, EncodesAsRedis70Does) {
  EXPECT_EQ(EncodeDump("bar"), Hex("000362617"
                                   "20a00e6be4960ee66fd17"));
  EXPECT_EQ(EncodeDump("1234"), Hex("00c1d2040a00008708a144825ced"));
  EXPECT_EQ(EncodeDump("-100000"), Hex("00c26079feff0a00a1ca8470cc216d9d"));
  EXPECT_EQ(EncodeDump(""), Hex("00000a005d9b5c400f7fa2da"));
}

TEST(DumpPayloadTest, DecodesRedisPayloadsIncludingLzf) {
  std::string v;
  ASSERT_EQ(Decode(Hex("00c30a406402616261e056010161620a0017383d942096d863"), v), DumpError::kOk);
  std::string expected;
  for (int i = 0; i < 50; ++i) expected += "ab";
  EXPECT_EQ(v, expected);
  ASSERT_EQ(Decode(Hex("00c26079feff0a00a1ca8470cc216d9d"), v), DumpError::kOk);
  EXPECT_EQ(v, "-100000");
}

TEST(DumpPayloadTest, RoundTripsEveryLengthEncodingAndNonCanonicalIntegers) {
  for (const size_t len : {0, 1, 63, 64, 16383, 16384, 70000}) {
    const std::string value(len, 'x');
    std::string back;
    ASSERT_EQ(Decode(EncodeDump(value), back), DumpError::kOk) << len;
    EXPECT_EQ(back, value);
  }
  for (const char* value : {"0", "-1", "127", "-128", "128", "32767", "-32768", "2147483647",
                            "-2147483648", "2147483648", "007", "-0", "+1", "1 ", "99999999999"}) {
    std::string back;
    ASSERT_EQ(Decode(EncodeDump(value), back), DumpError::kOk) << value;
    EXPECT_EQ(back, value);
  }
}

TEST(DumpPayloadTest, RefusesBadVersionAndChecksum) {
  std::string v;
  std::string p = EncodeDump("bar");
  EXPECT_EQ(Decode(p.substr(0, 9), v), DumpError::kVersionOrChecksum);
  p[1] ^= 1;
  EXPECT_EQ(Decode(p, v), DumpError::kVersionOrChecksum);
  // RDB 11 (a newer server's) is refused even with a valid checksum.
  EXPECT_EQ(Decode(Sign(Hex("000362617"
                            "2") +
                        Hex("0b00")),
                   v),
            DumpError::kVersionOrChecksum);
  EXPECT_EQ(Decode(Sign(Hex("000362617"
                            "2") +
                        Hex("0900")),
                   v),
            DumpError::kOk);  // older: fine
}

TEST(DumpPayloadTest, RefusesHostileBodies) {
  std::string v;
  const std::string ver = Hex("0a00");
  const char* bodies[] = {
      "",                      // no type
      "01",                    // a list: Cairn has only strings
      "00",                    // no length
      "0005616263",            // length 5, 3 bytes
      "004061",                // 14-bit length cut short
      "0080ffffffff",          // 4 GiB claimed
      "0081ffffffffffffffff",  // 2^64 - 1 claimed
      "0082",                  // not a length encoding
      "00c0",                  // int8 without its byte
      "00c2010203",            // int32 cut short
      "00c4",                  // unknown special encoding
      "00c30540ff0061",        // LZF: 16 KiB claimed from 5 bytes of data
      "00c3020300e0",          // LZF: back-reference before the start of the output
      "00c303030262",          // LZF: literal run longer than the data
      "00c30102000061",        // LZF: output shorter than claimed
      "00c3c0",                // LZF: lengths missing
      "000162ff",              // trailing byte after the value
  };
  for (const char* body : bodies) {
    EXPECT_EQ(Decode(Sign(Hex(body) + ver), v), DumpError::kBadFormat) << body;
  }
  // The limit on a value's size holds for plain and compressed values.
  EXPECT_EQ(Decode(EncodeDump(std::string(100, 'x')), v, 99), DumpError::kBadFormat);
  EXPECT_EQ(Decode(Hex("00c30a406402616261e056010161620a0017383d942096d863"), v, 99),
            DumpError::kBadFormat);
}

// Random and mutated payloads, re-signed so they reach the decoder: it never crashes (run under
// the sanitizer presets) and never returns more than the limit.
TEST(DumpPayloadTest, SurvivesRandomAndMutatedPayloads) {
  std::mt19937 rng(19);
  const std::string seeds[] = {EncodeDump("hello world"), EncodeDump("1234"),
                               Hex("00c30a406402616261e056010161620a0017383d942096d863")};
  std::string v;
  for (int i = 0; i < 20000; ++i) {
    std::string body;
    if (i % 2 == 0) {
      body = seeds[static_cast<size_t>(i) % 3];
      body.resize(body.size() - 8);
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips && body.size() > 2; ++f) {
        body[rng() % (body.size() - 2)] = static_cast<char>(rng());
      }
      if (rng() % 4 == 0) body.erase(rng() % (body.size() - 2), 1);
    } else {
      body.resize(rng() % 40);
      for (char& c : body) c = static_cast<char>(rng());
      body += Hex("0a00");
    }
    if (Decode(Sign(body), v, 4096) == DumpError::kOk) {
      EXPECT_LE(v.size(), 4096u);
    }
  }
}

}  // namespace
}  // namespace cairn::cluster
