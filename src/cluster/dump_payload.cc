// DUMP / RESTORE payloads (format and limits in cairn/cluster/dump_payload.h).
#include "cairn/cluster/dump_payload.h"

#include <array>
#include <charconv>
#include <cstring>

namespace cairn::cluster {
namespace {

constexpr uint8_t kTypeString = 0;
constexpr size_t kFooterBytes = 10;  // version (2) + crc (8)

constexpr std::array<uint64_t, 256> MakeCrc64Table() {
  std::array<uint64_t, 256> table{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;  // Jones, reflected
    }
    table[i] = crc;
  }
  return table;
}
constexpr std::array<uint64_t, 256> kCrc64Table = MakeCrc64Table();

void PutLe(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A reader over the payload's body that never reads past its end.
struct Reader {
  std::string_view in;
  size_t pos = 0;

  bool Byte(uint8_t& b) {
    if (pos >= in.size()) return false;
    b = static_cast<uint8_t>(in[pos++]);
    return true;
  }
  bool BigEndian(int bytes, uint64_t& v) {
    v = 0;
    for (int i = 0; i < bytes; ++i) {
      uint8_t b = 0;
      if (!Byte(b)) return false;
      v = (v << 8) | b;
    }
    return true;
  }
  bool LittleEndian(int bytes, uint64_t& v) {
    v = 0;
    for (int i = 0; i < bytes; ++i) {
      uint8_t b = 0;
      if (!Byte(b)) return false;
      v |= static_cast<uint64_t>(b) << (8 * i);
    }
    return true;
  }
  // An RDB length; `special` set (and the length being the encoding) for 11xxxxxx.
  bool Length(uint64_t& len, bool& special) {
    uint8_t b = 0;
    if (!Byte(b)) return false;
    special = false;
    switch (b >> 6) {
      case 0:
        len = b & 0x3f;
        return true;
      case 1: {
        uint8_t low = 0;
        if (!Byte(low)) return false;
        len = (static_cast<uint64_t>(b & 0x3f) << 8) | low;
        return true;
      }
      case 2:
        if (b == 0x80) return BigEndian(4, len);
        if (b == 0x81) return BigEndian(8, len);
        return false;
      default:
        special = true;
        len = b & 0x3f;
        return true;
    }
  }
  bool Bytes(uint64_t n, std::string_view& out) {
    if (n > in.size() - pos) return false;
    out = in.substr(pos, static_cast<size_t>(n));
    pos += static_cast<size_t>(n);
    return true;
  }
};

// LZF (liblzf's format, as Redis writes it) into `out`, which has exactly the declared size.
bool LzfDecompress(std::string_view in, std::string& out) {
  size_t ip = 0;
  size_t op = 0;
  while (ip < in.size()) {
    size_t ctrl = static_cast<uint8_t>(in[ip++]);
    if (ctrl < 32) {  // a literal run of ctrl + 1 bytes
      ++ctrl;
      if (ctrl > out.size() - op || ctrl > in.size() - ip) return false;
      std::memcpy(out.data() + op, in.data() + ip, ctrl);
      op += ctrl;
      ip += ctrl;
      continue;
    }
    size_t len = ctrl >> 5;  // a back-reference of len + 2 bytes
    if (ip >= in.size()) return false;
    if (len == 7) {
      len += static_cast<uint8_t>(in[ip++]);
      if (ip >= in.size()) return false;
    }
    const size_t distance = ((ctrl & 0x1f) << 8) + static_cast<uint8_t>(in[ip++]) + 1;
    len += 2;
    if (distance > op || len > out.size() - op) return false;
    for (size_t i = 0; i < len; ++i, ++op) out[op] = out[op - distance];  // may overlap
  }
  return op == out.size();
}

DumpError DecodeString(Reader& r, size_t max_value_bytes, std::string& value) {
  uint64_t len = 0;
  bool special = false;
  if (!r.Length(len, special)) return DumpError::kBadFormat;
  if (!special) {
    std::string_view bytes;
    if (len > max_value_bytes || !r.Bytes(len, bytes)) return DumpError::kBadFormat;
    value.assign(bytes);
    return DumpError::kOk;
  }
  if (len <= 2) {  // int8, int16, int32, little-endian two's complement
    const int bytes = 1 << len;
    uint64_t raw = 0;
    if (!r.LittleEndian(bytes, raw)) return DumpError::kBadFormat;
    const int shift = 64 - 8 * bytes;
    const auto v = static_cast<int64_t>(raw << shift) >> shift;
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    value.assign(buf, res.ptr);
    return value.size() <= max_value_bytes ? DumpError::kOk : DumpError::kBadFormat;
  }
  if (len != 3) return DumpError::kBadFormat;
  uint64_t compressed = 0;
  uint64_t plain = 0;
  if (!r.Length(compressed, special) || special || !r.Length(plain, special) || special) {
    return DumpError::kBadFormat;
  }
  std::string_view data;
  // liblzf expands at most 32 bytes of output per 2 input bytes (a back-reference of 264 bytes
  // per 3): a claimed size beyond that is a lie, refused before allocating.
  if (plain == 0 || plain > max_value_bytes || !r.Bytes(compressed, data) ||
      plain / 88 > data.size()) {
    return DumpError::kBadFormat;
  }
  value.assign(static_cast<size_t>(plain), '\0');
  return LzfDecompress(data, value) ? DumpError::kOk : DumpError::kBadFormat;
}

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  for (const char c : data) {
    crc = kCrc64Table[(crc ^ static_cast<uint8_t>(c)) & 0xff] ^ (crc >> 8);
  }
  return crc;
}

std::string EncodeDump(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 24);
  out.push_back(static_cast<char>(kTypeString));
  int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  char canonical[24];
  const bool is_int =
      !value.empty() && value.size() <= 11 && ec == std::errc() &&
      ptr == value.data() + value.size() &&
      std::string_view(canonical, std::to_chars(canonical, canonical + 24, n).ptr) == value;
  if (is_int && n >= INT8_MIN && n <= INT8_MAX) {
    out.push_back(static_cast<char>(0xc0));
    PutLe(out, static_cast<uint64_t>(n), 1);
  } else if (is_int && n >= INT16_MIN && n <= INT16_MAX) {
    out.push_back(static_cast<char>(0xc1));
    PutLe(out, static_cast<uint64_t>(n), 2);
  } else if (is_int && n >= INT32_MIN && n <= INT32_MAX) {
    out.push_back(static_cast<char>(0xc2));
    PutLe(out, static_cast<uint64_t>(n), 4);
  } else {
    const uint64_t len = value.size();
    if (len < (1u << 6)) {
      out.push_back(static_cast<char>(len));
    } else if (len < (1u << 14)) {
      out.push_back(static_cast<char>(0x40 | (len >> 8)));
      out.push_back(static_cast<char>(len & 0xff));
    } else if (len <= UINT32_MAX) {
      out.push_back(static_cast<char>(0x80));
      for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
    } else {
      out.push_back(static_cast<char>(0x81));
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
    }
    out.append(value);
  }
  PutLe(out, kDumpRdbVersion, 2);
  PutLe(out, Crc64(0, out), 8);
  return out;
}

DumpError DecodeDump(std::string_view payload, size_t max_value_bytes, std::string& value) {
  if (payload.size() < kFooterBytes) return DumpError::kVersionOrChecksum;
  const size_t body = payload.size() - kFooterBytes;
  const auto byte = [&](size_t i) {
    return static_cast<uint64_t>(static_cast<uint8_t>(payload[i]));
  };
  const uint64_t version = byte(body) | (byte(body + 1) << 8);
  uint64_t crc = 0;
  for (int i = 0; i < 8; ++i) crc |= byte(body + 2 + static_cast<size_t>(i)) << (8 * i);
  if (version > kDumpRdbVersion || Crc64(0, payload.substr(0, body + 2)) != crc) {
    return DumpError::kVersionOrChecksum;
  }
  Reader r{payload.substr(0, body)};
  uint8_t type = 0;
  if (!r.Byte(type) || type != kTypeString) return DumpError::kBadFormat;
  const DumpError e = DecodeString(r, max_value_bytes, value);
  if (e != DumpError::kOk) return e;
  return r.pos == body ? DumpError::kOk : DumpError::kBadFormat;
}

}  // namespace cairn::cluster
