// SnapshotReader: checks every byte of a snapshot before any entry leaves the module
// (snapshot.h). One scan function serves Verify (no visitor) and the delivery pass of Read.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "cairn/persistence/snapshot.h"
#include "cairn/v1/snapshot.pb.h"
#include "snapshot_format.h"

namespace cairn {

namespace sf = snapshot_format;

namespace {

std::string At(uint64_t offset) { return " at offset " + std::to_string(offset); }

// Reads one snapshot file frame by frame with bounds and checksum checks.
class FrameReader {
 public:
  ~FrameReader() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      if (errno == ENOENT) return Status::NotFound("snapshot '" + path + "' does not exist");
      return Status::IoError("cannot open snapshot '" + path + "': " + sf::ErrnoText(errno));
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      return Status::IoError("cannot stat snapshot '" + path + "': " + sf::ErrnoText(errno));
    }
    if (!S_ISREG(st.st_mode)) return Status::IoError("'" + path + "' is not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    return Status::Ok();
  }

  Status ReadPrefix() {
    if (size_ == 0) return Corrupt("file is empty");
    char prefix[sf::kPrefixSize];
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size_, sizeof(prefix)));
    if (Status s = ReadAt(prefix, n, 0); !s.ok()) return s;
    const size_t magic_len = std::min(n, sf::kMagic.size());
    if (std::string_view(prefix, magic_len) != sf::kMagic.substr(0, magic_len)) {
      return Corrupt("not a Cairn snapshot (bad magic)");
    }
    if (n < sizeof(prefix)) return Corrupt("truncated prefix: file is " + Size());
    const uint32_t version = sf::GetU32(prefix + sf::kMagic.size());
    if (version != kSnapshotFormatVersion) {
      return Status::NotSupported("snapshot '" + path_ + "' has format version " +
                                  std::to_string(version) + "; this build reads version " +
                                  std::to_string(kSnapshotFormatVersion));
    }
    offset_ = sizeof(prefix);
    return Status::Ok();
  }

  bool AtEnd() const { return offset_ == size_; }
  uint64_t offset() const { return offset_; }
  uint64_t size() const { return size_; }
  uint64_t frames() const { return frame_index_; }

  // Reads and checks the next frame; `payload` views the internal buffer until the next call.
  Status Next(uint8_t* kind, std::string_view* payload) {
    const uint64_t start = offset_;
    if (size_ - offset_ < sf::kFrameHeaderSize) {
      return Corrupt("truncated frame header" + At(start) + " (file is " + Size() + ")");
    }
    buf_.resize(sf::kFrameHeaderSize);
    if (Status s = ReadAt(buf_.data(), sf::kFrameHeaderSize, start); !s.ok()) return s;
    *kind = static_cast<uint8_t>(buf_[0]);
    if (*kind != sf::kHeader && *kind != sf::kChunk && *kind != sf::kTrailer) {
      return Corrupt("unknown frame kind " + std::to_string(*kind) + At(start));
    }
    const uint64_t len = sf::GetU32(buf_.data() + 1);
    if (size_ - offset_ - sf::kFrameHeaderSize < len + sf::kChecksumSize) {
      return Corrupt("truncated frame of " + std::to_string(len) + " bytes" + At(start) +
                     " (file is " + Size() + ")");
    }
    buf_.resize(sf::kFrameOverhead + len);
    if (Status s = ReadAt(buf_.data() + sf::kFrameHeaderSize, len + sf::kChecksumSize,
                          start + sf::kFrameHeaderSize);
        !s.ok()) {
      return s;
    }
    const size_t covered = sf::kFrameHeaderSize + len;
    if (sf::GetU64(buf_.data() + covered) !=
        sf::FrameChecksum(buf_.data(), covered, frame_index_)) {
      return Corrupt("checksum mismatch in frame " + std::to_string(frame_index_) + At(start));
    }
    *payload = std::string_view(buf_.data() + sf::kFrameHeaderSize, len);
    offset_ = start + buf_.size();
    ++frame_index_;
    return Status::Ok();
  }

  Status Corrupt(const std::string& what) const {
    return Status::Corruption("snapshot '" + path_ + "': " + what);
  }

 private:
  std::string Size() const { return std::to_string(size_) + " bytes"; }

  Status ReadAt(char* dst, size_t n, uint64_t at) {
    while (n > 0) {
      const ssize_t r = ::pread(fd_, dst, n, static_cast<off_t>(at));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::IoError("cannot read snapshot '" + path_ + "': " + sf::ErrnoText(errno));
      }
      if (r == 0) return Corrupt("file shrank while reading" + At(at));
      dst += r;
      n -= static_cast<size_t>(r);
      at += static_cast<uint64_t>(r);
    }
    return Status::Ok();
  }

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
  uint64_t frame_index_ = 0;
  std::string buf_;
};

// Reads the prefix and the header frame into *info.
Status ReadHeaderFrame(FrameReader& in, SnapshotInfo* info) {
  if (Status s = in.ReadPrefix(); !s.ok()) return s;
  const uint64_t at = in.offset();
  uint8_t kind = 0;
  std::string_view payload;
  if (Status s = in.Next(&kind, &payload); !s.ok()) return s;
  v1::SnapshotHeader header;
  if (kind != sf::kHeader) return in.Corrupt("first frame is not a header" + At(at));
  if (!header.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
      !header.has_entry_count() || !header.has_created_at_ms()) {
    return in.Corrupt("header does not parse" + At(at));
  }
  if (header.format_version() != kSnapshotFormatVersion) {
    return in.Corrupt("header format version " + std::to_string(header.format_version()) +
                      " does not match the file prefix");
  }
  info->format_version = header.format_version();
  info->created_at_ms = static_cast<int64_t>(header.created_at_ms());
  info->entry_count = header.entry_count();
  info->policy = header.policy();
  info->file_bytes = in.size();
  return Status::Ok();
}

// One full pass over the file. With a visitor, entries are handed out as they are read; without
// one the pass only checks. Returns the info of a file that checked out completely.
Result<SnapshotInfo> Scan(const std::string& path, const SnapshotVisitor* visit) {
  FrameReader in;
  if (Status s = in.Open(path); !s.ok()) return s;
  SnapshotInfo info;
  if (Status s = ReadHeaderFrame(in, &info); !s.ok()) return s;

  v1::SnapshotChunk chunk;  // reused: parsed entries keep their capacity across chunks
  uint64_t entries = 0;
  uint64_t chunk_bytes = 0;
  for (;;) {
    if (in.AtEnd()) {
      return in.Corrupt("missing trailer: file ends" + At(in.offset()) + " after " +
                        std::to_string(info.chunk_count) + " chunks");
    }
    const uint64_t at = in.offset();
    uint8_t kind = 0;
    std::string_view payload;
    if (Status s = in.Next(&kind, &payload); !s.ok()) return s;
    if (kind == sf::kTrailer) {
      v1::SnapshotTrailer trailer;
      if (!trailer.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
        return in.Corrupt("trailer does not parse" + At(at));
      }
      if (trailer.entry_count() != entries || trailer.chunk_count() != info.chunk_count ||
          trailer.chunk_bytes() != chunk_bytes || info.entry_count != entries) {
        return in.Corrupt("totals mismatch: header says " + std::to_string(info.entry_count) +
                          " entries, trailer " + std::to_string(trailer.entry_count()) +
                          ", file holds " + std::to_string(entries));
      }
      if (!in.AtEnd()) return in.Corrupt("unexpected data after the trailer" + At(in.offset()));
      return info;
    }
    if (kind != sf::kChunk) return in.Corrupt("unexpected header frame" + At(at));
    if (!chunk.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return in.Corrupt("chunk " + std::to_string(info.chunk_count) + " does not parse" + At(at));
    }
    ++info.chunk_count;
    chunk_bytes += payload.size();
    entries += static_cast<uint64_t>(chunk.entries_size());
    if (visit == nullptr) continue;
    for (const v1::SnapshotEntry& e : chunk.entries()) {
      SnapshotEntry entry;
      entry.key = e.key();
      entry.value = e.value();
      entry.expire_at_ms = e.expire_at_ms();
      entry.version = e.version();
      entry.freq = static_cast<uint8_t>(std::min<uint32_t>(e.freq(), 255));
      entry.last_access_s = e.last_access_s();
      if (!(*visit)(entry)) return Status::Aborted("snapshot load stopped by the caller");
    }
  }
}

}  // namespace

Result<SnapshotInfo> SnapshotReader::ReadHeader(const std::string& path) {
  FrameReader in;
  if (Status s = in.Open(path); !s.ok()) return s;
  SnapshotInfo info;
  if (Status s = ReadHeaderFrame(in, &info); !s.ok()) return s;
  return info;
}

Result<SnapshotInfo> SnapshotReader::Verify(const std::string& path) { return Scan(path, nullptr); }

Result<SnapshotInfo> SnapshotReader::Read(const std::string& path, SnapshotVisitor visit) {
  Result<SnapshotInfo> verified = Scan(path, nullptr);
  if (!verified.ok()) return verified;
  return Scan(path, &visit);
}

}  // namespace cairn
