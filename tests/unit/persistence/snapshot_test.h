// Helpers shared by the snapshot tests: deterministic entries and a writer that fails the test on
// any error.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cairn/persistence/snapshot.h"

namespace cairn::testing {

// An owned copy of a SnapshotEntry (the visitor's views die with the call).
struct OwnedEntry {
  std::string key, value;
  int64_t expire_at_ms = 0;
  uint64_t version = 0;
  uint8_t freq = 0;
  uint32_t last_access_s = 0;
  friend bool operator==(const OwnedEntry&, const OwnedEntry&) = default;

  SnapshotEntry View() const { return {key, value, expire_at_ms, version, freq, last_access_s}; }
  static OwnedEntry From(const SnapshotEntry& e) {
    return {std::string(e.key), std::string(e.value), e.expire_at_ms, e.version, e.freq,
            e.last_access_s};
  }
};

inline OwnedEntry MakeEntry(uint64_t i) {
  OwnedEntry e;
  e.key = "key:" + std::to_string(i);
  e.value = std::string(i % 97, static_cast<char>('a' + i % 26)) + std::to_string(i * 31);
  if (i % 5 == 0) e.value += std::string("\0\r\n\xff", 4);
  e.expire_at_ms = i % 3 == 0 ? 0 : 1'700'000'000'000 + static_cast<int64_t>(i);
  e.version = i * 7 + 1;
  e.freq = static_cast<uint8_t>(i % 256);
  e.last_access_s = static_cast<uint32_t>(1'700'000'000 + i);
  return e;
}

inline SnapshotInfo WriteSnapshot(const std::string& path, uint64_t n, size_t chunk_bytes) {
  SnapshotWriterOptions o;
  o.created_at_ms = 1'700'000'000'999;
  o.policy = "lfu";
  o.chunk_bytes = chunk_bytes;
  auto w = SnapshotWriter::Open(path, o);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return {};
  for (uint64_t i = 0; i < n; ++i) {
    const OwnedEntry e = MakeEntry(i);
    Status s = (*w)->Add(e.View());
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  auto info = (*w)->Commit();
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? info.value() : SnapshotInfo{};
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces the file by unlink + create: truncating a file in place makes ext4 (auto_da_alloc)
// flush it on close, which makes the every-offset corruption tests I/O bound.
inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::filesystem::remove(path);
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace cairn::testing
