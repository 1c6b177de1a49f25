// SHA-1 as lower-case hex (script names for EVALSHA / SCRIPT LOAD, redis.sha1hex). Not for
// security: Redis uses it only to name scripts.
#pragma once

#include <string>
#include <string_view>

namespace cairn {

std::string Sha1Hex(std::string_view data);

}  // namespace cairn
