// A driver for redis_differential.py: reads byte streams, hex-encoded one per line, and prints
// what RespParser makes of each, as a connection would see it:
//   CMD <hex arg> <hex arg> ...   one line per complete command ("-" for an empty argument)
//   END more | END error <hex error text>
#include <iostream>
#include <string>
#include <string_view>

#include "cairn/protocol/resp_parser.h"

namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace

int main() {
  cairn::RespParser parser;
  cairn::CommandArgs args;
  std::string line;
  while (std::getline(std::cin, line)) {
    const std::string stream = Unhex(line);
    size_t base = 0;
    for (;;) {
      cairn::ParseResult r = parser.Parse(std::string_view(stream).substr(base), args);
      if (r.status == cairn::ParseStatus::kComplete) {
        std::cout << "CMD";
        for (auto a : args.argv) std::cout << ' ' << (a.empty() ? "-" : Hex(a));
        std::cout << '\n';
        base += r.consumed;
        continue;
      }
      if (r.status == cairn::ParseStatus::kNeedMore) {
        std::cout << "END more\n";
      } else {
        std::cout << "END error " << Hex(r.error) << '\n';
      }
      break;
    }
  }
  return 0;
}
