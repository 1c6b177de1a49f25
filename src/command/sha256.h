// SHA-256 as lower-case hex (ACL passwords are stored as their SHA-256, as Redis does).
#pragma once

#include <string>
#include <string_view>

namespace cairn {

std::string Sha256Hex(std::string_view data);

}  // namespace cairn
