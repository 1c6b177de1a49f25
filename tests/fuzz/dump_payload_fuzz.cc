// DUMP payloads (cairn/cluster/dump_payload.h) on any bytes, twice: as given (almost always
// refused by the checksum) and re-signed (the bytes as the body, then RDB version 10 and the
// CRC-64 of it), so that the decoder's length, integer and LZF paths see hostile input. Where a
// payload decodes: the value is within the limit, and encoding it decodes back to it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cairn/cluster/dump_payload.h"

namespace {

constexpr size_t kLimit = 1 << 16;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "dump payload: %s\n", what);
  std::abort();
}

void Check(std::string_view payload) {
  using cairn::cluster::DumpError;
  std::string value;
  if (cairn::cluster::DecodeDump(payload, kLimit, value) != DumpError::kOk) return;
  if (value.size() > kLimit) Fail("a value over the limit was accepted");
  std::string back;
  if (cairn::cluster::DecodeDump(cairn::cluster::EncodeDump(value), kLimit, back) !=
          DumpError::kOk ||
      back != value) {
    Fail("Decode(Encode(value)) differs from the value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);  // exact-size copy for ASan
  Check(bytes);
  std::string signed_payload = bytes;
  signed_payload.push_back(10);
  signed_payload.push_back(0);
  const uint64_t crc = cairn::cluster::Crc64(0, signed_payload);
  for (int i = 0; i < 8; ++i) signed_payload.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  Check(signed_payload);
  return 0;
}
