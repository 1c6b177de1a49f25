// Message digests as lower-case hex, computed by OpenSSL's libcrypto: SHA-1 names scripts
// (EVALSHA, SCRIPT LOAD, redis.sha1hex; not for security), SHA-256 stores ACL passwords, as
// Redis does.
#pragma once

#include <string>
#include <string_view>

namespace cairn {

std::string Sha1Hex(std::string_view data);
std::string Sha256Hex(std::string_view data);

}  // namespace cairn
