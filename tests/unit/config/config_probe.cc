// A stand-in for cairn-server in entrypoint_test.sh: parses its arguments with the real
// LoadConfig and prints the effective configuration, or the error with exit status 1.
#include <iostream>

#include "cairn/config/config.h"

int main(int argc, char** argv) {
  cairn::ServerConfig cfg;
  cairn::LoadResult result = cairn::LoadConfig(argc, argv, cfg);
  if (!result.error.empty()) {
    std::cerr << result.error << '\n';
    return 1;
  }
  if (result.exit) return result.exit_code;
  std::cout << cairn::DumpConfig(cfg);
  return 0;
}
