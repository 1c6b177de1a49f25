// Helpers for the config tests: run LoadConfig on a list of arguments and write temp files.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cairn/config/config.h"

namespace cairn::testing_util {

struct Loaded {
  LoadResult result;
  ServerConfig cfg;
  std::string out;  // what LoadConfig printed (help, version, dump)
};

inline Loaded Load(const std::vector<std::string>& args, const ConfigChoices& choices = {},
                   ServerConfig start = {}) {
  std::vector<const char*> argv{"cairn-server"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  Loaded loaded;
  loaded.cfg = std::move(start);
  std::ostringstream out;
  loaded.result = LoadConfig(static_cast<int>(argv.size()), argv.data(), loaded.cfg, choices, out);
  loaded.out = out.str();
  return loaded;
}

// Files written by WriteTempFile, removed when the test program exits.
struct TempFiles {
  std::vector<std::string> paths;
  ~TempFiles() {
    for (const std::string& p : paths) std::remove(p.c_str());
  }
};
inline TempFiles temp_files;

// Writes `text` to a fresh file under the test temp dir and returns its path.
inline std::string WriteTempFile(const std::string& text) {
  static std::atomic<int> counter{0};
  std::string path = ::testing::TempDir() + "cairn_config_test_" + std::to_string(::getpid()) +
                     "_" + std::to_string(counter++) + ".conf";
  std::ofstream(path, std::ios::binary) << text;
  temp_files.paths.push_back(path);
  return path;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace cairn::testing_util
