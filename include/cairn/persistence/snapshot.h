// Snapshot files (the Memento of the whole cache): SAVE, BGSAVE, SNAPSHOT CREATE/RESTORE.
//
// Format (proto/cairn/v1/snapshot.proto has the byte-level grammar): a magic + format-version
// prefix, a header frame (format version, created_at_ms, entry count, policy), ~1 MB chunk frames
// of entries, a trailer frame with totals. Every frame has a length and a 64-bit checksum (XXH3,
// seeded with the frame's index), so corruption, truncation, a missing trailer, a moved or
// dropped chunk, trailing garbage, a wrong magic or an unknown version are all detected.
//
// Writing: SnapshotWriter::Open creates `<path>.tmp`; Add buffers entries into chunks and writes
// each full chunk; Commit writes the trailer, rewrites the header with the final entry count,
// fsyncs, renames the temp file over `path` and fsyncs the directory. Until Commit returns ok,
// `path` is untouched (an old snapshot of that name survives a failed or abandoned save); a
// writer destroyed without Commit removes its temp file. Add may write a chunk (~1 MB, no fsync):
// callers capture entries under their lock and Add outside it.
//
// Reading: SnapshotReader::Read verifies the whole file first (every checksum, every chunk
// parsed, trailer totals, nothing after the trailer) and only then makes a second pass calling
// the visitor, so a corrupt or truncated file is refused before a single entry is handed out.
// The second pass re-checks every checksum; if the file changes between the passes, Read stops
// with an error after some entries were delivered, which is why the caller restores into a
// fresh cache and swaps it in only when Read returns ok. Memory stays bounded by one chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cairn/common/function_ref.h"
#include "cairn/persistence/status.h"

namespace cairn {

inline constexpr uint32_t kSnapshotFormatVersion = 1;

// One cache entry in a snapshot. Views: valid for the duration of the Add call or the visitor
// call that carries them.
struct SnapshotEntry {
  std::string_view key;
  std::string_view value;
  int64_t expire_at_ms = 0;  // absolute Unix ms; 0 = no expiry
  uint64_t version = 0;
  uint8_t freq = 0;            // LFU counter
  uint32_t last_access_s = 0;  // Unix seconds
};

// What a snapshot says about itself.
struct SnapshotInfo {
  uint32_t format_version = 0;
  int64_t created_at_ms = 0;
  uint64_t entry_count = 0;
  std::string policy;
  uint64_t chunk_count = 0;  // known after Verify/Read (0 from ReadHeader)
  uint64_t file_bytes = 0;
};

struct SnapshotWriterOptions {
  int64_t created_at_ms = 0;
  std::string policy;
  size_t chunk_bytes = size_t{1} << 20;  // a chunk is written once its entries reach this size
  bool fsync = true;                     // off only in tests that do not care about durability
};

class SnapshotWriter {
 public:
  // Creates `<path>.tmp` (truncating a stale one) and writes the prefix and header.
  static Result<std::unique_ptr<SnapshotWriter>> Open(const std::string& path,
                                                      const SnapshotWriterOptions& options);
  ~SnapshotWriter();  // removes the temp file unless committed
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Copies the entry into the current chunk; writes the chunk when it is full. After an error
  // every later call returns that error and Commit fails.
  Status Add(const SnapshotEntry& entry);
  // Publishes the snapshot atomically at `path`. Returns the final info.
  Result<SnapshotInfo> Commit();
  // Abandons the snapshot and removes the temp file (also done by the destructor).
  void Abort();

  uint64_t entries() const;
  const std::string& path() const;

 private:
  struct Impl;
  explicit SnapshotWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

using SnapshotVisitor = FunctionRef<bool(const SnapshotEntry& entry)>;

class SnapshotReader {
 public:
  // Reads and checks the prefix and header frame only (cheap; for SNAPSHOT LIST). Does not
  // verify the rest of the file.
  static Result<SnapshotInfo> ReadHeader(const std::string& path);
  // Reads the whole file and checks everything; calls nothing. kNotFound when the file does not
  // exist, kCorruption with the offset and reason when it is damaged, kIoError when unreadable.
  static Result<SnapshotInfo> Verify(const std::string& path);
  // Verify, then visit every entry in file order. The visitor returns false to stop (kAborted).
  static Result<SnapshotInfo> Read(const std::string& path, SnapshotVisitor visit);
};

}  // namespace cairn
