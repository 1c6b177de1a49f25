#include "digest.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace cairn {
namespace {

std::string DigestHex(std::string_view data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Fails only when libcrypto cannot allocate a context: nothing sensible is left to answer.
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * len, '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kHex[out[i] >> 4];
    hex[2 * i + 1] = kHex[out[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string Sha1Hex(std::string_view data) { return DigestHex(data, EVP_sha1()); }
std::string Sha256Hex(std::string_view data) { return DigestHex(data, EVP_sha256()); }

}  // namespace cairn
