// SnapshotReader on a file holding the fuzz input: Verify and Read agree, a file that reads ok
// delivers exactly the entry count its header promises, and its entries written again by
// SnapshotWriter read back the same. Input: a mode byte, then the file. Mode bit 0 recomputes the
// checksum of every whole frame first, so that mutations reach the frame and protobuf parsing
// behind the checksums instead of stopping at the first checksum mismatch.
#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/persistence/snapshot.h"
#include "persistence/snapshot_format.h"

namespace {

namespace sf = cairn::snapshot_format;

struct OwnedEntry {
  std::string key, value;
  int64_t expire_at_ms;
  uint64_t version;
  uint8_t freq;
  uint32_t last_access_s;
  bool operator==(const OwnedEntry&) const = default;
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "snapshot: %s\n", what.c_str());
  std::abort();
}

std::string TempPath(const char* what) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/cairn-fuzz-snapshot-" +
         std::to_string(::getpid()) + what;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() ||
      std::fclose(f) != 0) {
    Fail("cannot write " + path);
  }
}

// Rewrites the checksum of every frame that lies wholly inside the file, as the writer would.
void RepairChecksums(std::string& file) {
  size_t at = sf::kPrefixSize;
  for (uint64_t index = 0; at < file.size() && file.size() - at >= sf::kFrameOverhead; ++index) {
    const uint64_t len = sf::GetU32(file.data() + at + 1);
    if (file.size() - at - sf::kFrameOverhead < len) return;
    const size_t covered = sf::kFrameHeaderSize + len;
    sf::PutU64(file.data() + at + covered, sf::FrameChecksum(file.data() + at, covered, index));
    at += covered + sf::kChecksumSize;
  }
}

cairn::Result<cairn::SnapshotInfo> ReadAll(const std::string& path,
                                           std::vector<OwnedEntry>& entries) {
  return cairn::SnapshotReader::Read(path, [&](const cairn::SnapshotEntry& e) {
    entries.push_back({std::string(e.key), std::string(e.value), e.expire_at_ms, e.version, e.freq,
                       e.last_access_s});
    return true;
  });
}

}  // namespace

// A damaged header's non-UTF-8 policy is refused by protobuf, which logs each one: keep quiet.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return -1;
  std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) != 0) RepairChecksums(file);
  static const std::string path = TempPath(".snap");
  WriteFile(path, file);

  const auto verified = cairn::SnapshotReader::Verify(path);
  std::vector<OwnedEntry> entries;
  const auto read = ReadAll(path, entries);
  if (verified.ok() != read.ok()) Fail("Verify and Read disagree: " + read.status().ToString());
  if (!read.ok()) {
    if (!entries.empty()) Fail("entries delivered from a refused file");
    return 0;
  }
  const cairn::SnapshotInfo& info = read.value();
  if (info.entry_count != entries.size()) Fail("entry count differs from the entries read");
  if (!cairn::SnapshotReader::ReadHeader(path).ok()) Fail("Read ok but ReadHeader refuses");

  // Written again by the writer, the same entries come back.
  static const std::string copy = TempPath(".copy");
  cairn::SnapshotWriterOptions options;
  options.created_at_ms = info.created_at_ms;
  options.policy = info.policy;
  options.chunk_bytes = 64;  // several chunks from small files
  options.fsync = false;
  auto writer = cairn::SnapshotWriter::Open(copy, options);
  if (!writer.ok()) Fail("cannot open a writer: " + writer.status().ToString());
  for (const OwnedEntry& e : entries) {
    const cairn::SnapshotEntry entry{e.key,     e.value, e.expire_at_ms,
                                     e.version, e.freq,  e.last_access_s};
    if (!writer.value()->Add(entry).ok()) Fail("cannot add an entry");
  }
  if (!writer.value()->Commit().ok()) Fail("cannot commit the copy");
  std::vector<OwnedEntry> again;
  const auto reread = ReadAll(copy, again);
  if (!reread.ok()) Fail("rewritten snapshot refused: " + reread.status().ToString());
  if (again != entries) Fail("rewritten snapshot holds other entries");
  if (reread.value().policy != info.policy || reread.value().created_at_ms != info.created_at_ms) {
    Fail("rewritten snapshot has another header");
  }
  return 0;
}
