// SnapshotWriter: streams entries into ~1 MB checksummed chunk frames of `<path>.tmp`, then
// commits with trailer, header rewrite, fsync, rename and directory fsync (snapshot.h).
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "cairn/persistence/snapshot.h"
#include "cairn/v1/snapshot.pb.h"
#include "snapshot_format.h"

namespace cairn {

namespace sf = snapshot_format;

struct SnapshotWriter::Impl {
  std::string path;
  std::string tmp_path;
  SnapshotWriterOptions options;
  int fd = -1;
  uint64_t offset = 0;       // bytes written so far
  uint64_t frame_index = 0;  // index of the next frame
  v1::SnapshotHeader header;
  size_t header_frame_size = 0;
  v1::SnapshotChunk chunk;  // entries are reused across chunks (no steady-state allocation)
  size_t chunk_estimate = 0;
  std::string frame;  // reused frame buffer
  uint64_t entries = 0;
  uint64_t chunks = 0;
  uint64_t chunk_payload_bytes = 0;
  Status error;
  bool committed = false;
  bool owns_tmp = false;  // the temp file is ours to remove (once: a later writer may reuse it)

  Status Fail(Status s) {
    if (error.ok()) error = s;
    CloseAndUnlink();
    return s;
  }

  void CloseAndUnlink() {
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
    if (owns_tmp && !committed) ::unlink(tmp_path.c_str());
    owns_tmp = false;
  }

  Status WriteAt(const char* data, size_t n, uint64_t at) {
    while (n > 0) {
      const ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(at));
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::IoError("cannot write snapshot '" + tmp_path + "': " + sf::ErrnoText(errno));
      }
      data += w;
      n -= static_cast<size_t>(w);
      at += static_cast<uint64_t>(w);
    }
    return Status::Ok();
  }

  // Serializes `msg` as frame number `index` into `frame`.
  Status BuildFrame(uint8_t kind, const google::protobuf::MessageLite& msg, uint64_t index) {
    const size_t size = msg.ByteSizeLong();
    if (size > sf::kMaxPayload) return Status::InvalidArgument("snapshot frame over 2 GiB");
    frame.resize(sf::kFrameOverhead + size);
    frame[0] = static_cast<char>(kind);
    sf::PutU32(frame.data() + 1, static_cast<uint32_t>(size));
    msg.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(frame.data()) +
                                        sf::kFrameHeaderSize);
    const size_t covered = sf::kFrameHeaderSize + size;
    sf::PutU64(frame.data() + covered, sf::FrameChecksum(frame.data(), covered, index));
    return Status::Ok();
  }

  Status AppendFrame(uint8_t kind, const google::protobuf::MessageLite& msg) {
    if (Status s = BuildFrame(kind, msg, frame_index); !s.ok()) return s;
    if (Status s = WriteAt(frame.data(), frame.size(), offset); !s.ok()) return s;
    offset += frame.size();
    ++frame_index;
    return Status::Ok();
  }

  Status FlushChunk() {
    if (chunk.entries_size() == 0) return Status::Ok();
    if (Status s = AppendFrame(sf::kChunk, chunk); !s.ok()) return s;
    chunk_payload_bytes += frame.size() - sf::kFrameOverhead;
    ++chunks;
    chunk.clear_entries();
    chunk_estimate = 0;
    return Status::Ok();
  }

  Status SyncDir() {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return Status::IoError("cannot open dir of '" + path + "': " + sf::ErrnoText(errno));
    const int rc = ::fsync(dfd);
    const int err = errno;
    ::close(dfd);
    if (rc != 0)
      return Status::IoError("cannot fsync dir of '" + path + "': " + sf::ErrnoText(err));
    return Status::Ok();
  }
};

Result<std::unique_ptr<SnapshotWriter>> SnapshotWriter::Open(const std::string& path,
                                                             const SnapshotWriterOptions& options) {
  if (path.empty()) return Status::InvalidArgument("snapshot path is empty");
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->tmp_path = path + ".tmp";
  impl->options = options;
  if (impl->options.chunk_bytes == 0) impl->options.chunk_bytes = 1;
  impl->fd = ::open(impl->tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (impl->fd < 0) {
    return Status::IoError("cannot create snapshot '" + impl->tmp_path +
                           "': " + sf::ErrnoText(errno));
  }
  impl->owns_tmp = true;
  char prefix[sf::kPrefixSize];
  std::memcpy(prefix, sf::kMagic.data(), sf::kMagic.size());
  sf::PutU32(prefix + sf::kMagic.size(), kSnapshotFormatVersion);
  impl->header.set_format_version(kSnapshotFormatVersion);
  impl->header.set_created_at_ms(static_cast<uint64_t>(options.created_at_ms));
  impl->header.set_entry_count(0);  // rewritten at Commit (fixed width: same frame size)
  impl->header.set_policy(options.policy);
  Status s = impl->WriteAt(prefix, sizeof(prefix), 0);
  impl->offset = sizeof(prefix);
  if (s.ok()) s = impl->AppendFrame(sf::kHeader, impl->header);
  if (!s.ok()) return impl->Fail(s);
  impl->header_frame_size = impl->frame.size();
  return std::unique_ptr<SnapshotWriter>(new SnapshotWriter(std::move(impl)));
}

SnapshotWriter::SnapshotWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SnapshotWriter::~SnapshotWriter() {
  if (!impl_->committed) impl_->CloseAndUnlink();
}

Status SnapshotWriter::Add(const SnapshotEntry& entry) {
  Impl& w = *impl_;
  if (!w.error.ok()) return w.error;
  if (w.committed) return Status::InvalidArgument("snapshot already committed");
  constexpr size_t kEntryOverhead = 40;  // tags, lengths, varints: an upper bound
  const size_t size = entry.key.size() + entry.value.size() + kEntryOverhead;
  if (size > sf::kMaxPayload) return w.Fail(Status::InvalidArgument("snapshot entry over 2 GiB"));
  // A chunk never grows past chunk_bytes unless one entry alone is larger.
  if (w.chunk_estimate > 0 && w.chunk_estimate + size > w.options.chunk_bytes) {
    if (Status s = w.FlushChunk(); !s.ok()) return w.Fail(s);
  }
  v1::SnapshotEntry* e = w.chunk.add_entries();
  e->set_key(entry.key.data(), entry.key.size());
  e->set_value(entry.value.data(), entry.value.size());
  e->set_expire_at_ms(entry.expire_at_ms);
  e->set_version(entry.version);
  e->set_freq(entry.freq);
  e->set_last_access_s(entry.last_access_s);
  w.chunk_estimate += size;
  ++w.entries;
  if (w.chunk_estimate >= w.options.chunk_bytes) {
    if (Status s = w.FlushChunk(); !s.ok()) return w.Fail(s);
  }
  return Status::Ok();
}

Result<SnapshotInfo> SnapshotWriter::Commit() {
  Impl& w = *impl_;
  if (!w.error.ok()) return w.error;
  if (w.committed) return Status::InvalidArgument("snapshot already committed");
  if (Status s = w.FlushChunk(); !s.ok()) return w.Fail(s);
  v1::SnapshotTrailer trailer;
  trailer.set_entry_count(w.entries);
  trailer.set_chunk_count(w.chunks);
  trailer.set_chunk_bytes(w.chunk_payload_bytes);
  if (Status s = w.AppendFrame(sf::kTrailer, trailer); !s.ok()) return w.Fail(s);

  // Rewrite the header (frame 0) with the final entry count; fixed64 keeps its size.
  w.header.set_entry_count(w.entries);
  if (Status s = w.BuildFrame(sf::kHeader, w.header, 0); !s.ok()) return w.Fail(s);
  if (w.frame.size() != w.header_frame_size) {
    return w.Fail(Status::Corruption("snapshot header changed size on rewrite"));
  }
  if (Status s = w.WriteAt(w.frame.data(), w.frame.size(), sf::kPrefixSize); !s.ok()) {
    return w.Fail(s);
  }
  if (w.options.fsync && ::fsync(w.fd) != 0) {
    return w.Fail(
        Status::IoError("cannot fsync snapshot '" + w.tmp_path + "': " + sf::ErrnoText(errno)));
  }
  const int rc = ::close(w.fd);
  w.fd = -1;
  if (rc != 0) {
    return w.Fail(
        Status::IoError("cannot close snapshot '" + w.tmp_path + "': " + sf::ErrnoText(errno)));
  }
  if (::rename(w.tmp_path.c_str(), w.path.c_str()) != 0) {
    return w.Fail(Status::IoError("cannot rename '" + w.tmp_path + "' to '" + w.path +
                                  "': " + sf::ErrnoText(errno)));
  }
  w.committed = true;
  w.owns_tmp = false;
  if (w.options.fsync) {
    // The file is in place; a failed directory fsync only weakens power-loss durability.
    if (Status s = w.SyncDir(); !s.ok()) return s;
  }
  SnapshotInfo info;
  info.format_version = kSnapshotFormatVersion;
  info.created_at_ms = w.options.created_at_ms;
  info.entry_count = w.entries;
  info.policy = w.options.policy;
  info.chunk_count = w.chunks;
  info.file_bytes = w.offset;
  return info;
}

void SnapshotWriter::Abort() {
  if (impl_->committed) return;
  if (impl_->error.ok()) impl_->error = Status::Aborted("snapshot aborted");
  impl_->CloseAndUnlink();
}

uint64_t SnapshotWriter::entries() const { return impl_->entries; }
const std::string& SnapshotWriter::path() const { return impl_->path; }

}  // namespace cairn
