#include "cairn/persistence/rocksdb_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <system_error>

#include "cairn/common/strings.h"

namespace cairn {
namespace {

// Turns records whose expiry has passed into deletions during compaction. One instance is
// shared by all compaction threads: Filter is const and the counter atomic.
class ExpiryCompactionFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiryCompactionFilter(const Clock& clock) : clock_(clock) {}

  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& existing_value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    const std::optional<int64_t> expire_at =
        RecordCodec::DecodeExpireAt({existing_value.data(), existing_value.size()});
    // Keep what does not decode: the store never deletes what it does not understand.
    if (!expire_at || *expire_at == 0 || *expire_at > clock_.NowMs()) return false;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const char* Name() const override { return "cairn.ExpiryCompactionFilter"; }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  const Clock& clock_;
  mutable std::atomic<uint64_t> dropped_{0};
};

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.ToString());
  if (s.IsNotSupported()) return Status::NotSupported(s.ToString());
  return Status::IoError(s.ToString());  // IOError, NoSpace, Busy, TimedOut, Aborted ...
}

rocksdb::CompressionType ToRocks(Compression c) {
  switch (c) {
    case Compression::kNone:
      return rocksdb::kNoCompression;
    case Compression::kSnappy:
      return rocksdb::kSnappyCompression;
    case Compression::kLz4:
      return rocksdb::kLZ4Compression;
    case Compression::kZstd:
      return rocksdb::kZSTD;
  }
  return rocksdb::kNoCompression;
}

// A key for an error message: printable bytes as-is, others escaped, at most 64 bytes.
std::string Printable(std::string_view key) {
  constexpr size_t kMax = 64;
  std::string out;
  for (size_t i = 0; i < key.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (key.size() > kMax) out += "...";
  return out;
}

Status PrepareDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::IoError("cannot create data dir '" + path + "': " + ec.message());
  if (!std::filesystem::is_directory(path, ec)) {
    return Status::IoError("data dir '" + path + "' is not a directory");
  }
  return Status::Ok();
}

// RocksDB keeps per-thread perf counters, on by default (PerfLevel::kEnableCount): every key
// comparison in a memtable insert or a lookup bumps the thread's PerfContext, a thread_local
// that Debian's shared librocksdb reaches through __tls_get_addr and a TLS-init wrapper. That
// was ~15% of the flusher's CPU. Cairn reads no PerfContext, so every thread that calls into
// the store switches the counting off, once.
void NoPerfCounting() {
  thread_local const bool off = [] {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    return true;
  }();
  (void)off;
}

}  // namespace

std::string_view ToString(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "none";
}

std::optional<Compression> ParseCompression(std::string_view name) {
  for (Compression c :
       {Compression::kNone, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    if (EqualsIgnoreCase(name, ToString(c))) return c;
  }
  return std::nullopt;
}

bool CompressionSupported(Compression c) {
  if (c == Compression::kNone) return true;
  for (rocksdb::CompressionType t : rocksdb::GetSupportedCompressions()) {
    if (t == ToRocks(c)) return true;
  }
  return false;
}

// Locking: `mu` guards the DB pointer, not the data (RocksDB is thread-safe). Get, WriteBatch,
// ForEach and CompactAll share it; only Close and the reopen step of recovery take it
// exclusively. `recover_mu` serialises recovery attempts.
struct RocksDbStore::Impl {
  explicit Impl(const Clock& clock) : filter(clock) {}

  // Returns ok when `db` can be used; under `mu` (shared or exclusive).
  Status Usable() const {
    if (closed) return Status::Closed();
    if (!db) return Status::IoError("store unavailable: " + unavailable_reason);
    return Status::Ok();
  }

  // Declared before db: the DB must be gone before the filter it calls.
  ExpiryCompactionFilter filter;
  rocksdb::Options db_options;
  std::string path;
  rocksdb::WriteOptions write_options;

  mutable std::shared_mutex mu;
  std::unique_ptr<rocksdb::DB> db;
  bool closed = false;
  std::string unavailable_reason;  // why db is null after a failed reopen

  std::mutex recover_mu;
  std::atomic<bool> needs_recovery{false};  // a write failed; RocksDB refuses writes until fixed
  std::atomic<uint64_t> recoveries{0};
};

Result<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const RocksDbOptions& options,
                                                         const Clock& clock) {
  if (options.path.empty()) return Status::InvalidArgument("data dir path is empty");
  if (options.background_jobs < 1) {
    return Status::InvalidArgument("background jobs must be at least 1");
  }
  if (options.write_buffer_bytes < (size_t{1} << 20)) {
    return Status::InvalidArgument("write buffer size must be at least 1mb");
  }
  if (!CompressionSupported(options.compression)) {
    return Status::NotSupported("compression '" + std::string(ToString(options.compression)) +
                                "' is not supported by this librocksdb build");
  }
  if (Status s = PrepareDir(options.path); !s.ok()) return s;

  auto impl = std::make_unique<Impl>(clock);
  rocksdb::Options& db_options = impl->db_options;
  db_options.create_if_missing = true;
  db_options.max_background_jobs = options.background_jobs;
  db_options.write_buffer_size = options.write_buffer_bytes;
  db_options.compression = ToRocks(options.compression);
  db_options.compaction_filter = &impl->filter;
  db_options.keep_log_file_num = 4;
  // One insert hint for all keys (an empty prefix): a write-back flush writes its keys in
  // order, and each memtable insert then starts its skip-list search from the previous key's
  // position rather than from the top (bench: about half the flusher's CPU per key).
  db_options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(0));
  rocksdb::BlockBasedTableOptions table_options;
  if (options.block_cache_bytes == 0) {
    table_options.no_block_cache = true;
  } else {
    table_options.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  }
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  impl->path = options.path;
  impl->write_options.sync = options.write_sync;

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, &raw);
  if (!s.ok()) {
    return Status(FromRocks(s).code(),
                  "cannot open RocksDB in '" + options.path + "': " + s.ToString());
  }
  impl->db.reset(raw);
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(options, std::move(impl)));
}

RocksDbStore::RocksDbStore(RocksDbOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {}

RocksDbStore::~RocksDbStore() { Close(); }

Result<std::optional<StoredRecord>> RocksDbStore::Get(std::string_view key) {
  NoPerfCounting();
  std::shared_lock lock(impl_->mu);
  if (Status u = impl_->Usable(); !u.ok()) return u;
  rocksdb::PinnableSlice slice;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->db->DefaultColumnFamily(),
                                     rocksdb::Slice(key.data(), key.size()), &slice);
  if (s.IsNotFound()) return std::optional<StoredRecord>();
  if (!s.ok()) return FromRocks(s);
  std::optional<StoredRecord> rec = RecordCodec::Decode({slice.data(), slice.size()});
  if (!rec) return Status::Corruption("stored record of key '" + Printable(key) + "' is invalid");
  return rec;
}

// After a failed write RocksDB refuses all writes. Resume() clears errors it can recover from
// (e.g. a background flush that hit a full disk); a failed WAL append cannot be resumed, so the
// DB is closed and reopened, which replays the WAL up to its last intact record (every write
// that was acknowledged) and starts a new one.
Status RocksDbStore::Recover() {
  std::lock_guard recover_lock(impl_->recover_mu);
  if (!impl_->needs_recovery.load(std::memory_order_acquire)) return Status::Ok();
  {
    std::shared_lock lock(impl_->mu);
    if (impl_->closed) return Status::Closed();
    if (impl_->db && impl_->db->Resume().ok()) {
      impl_->needs_recovery.store(false, std::memory_order_release);
      impl_->recoveries.fetch_add(1, std::memory_order_relaxed);
      return Status::Ok();
    }
  }
  std::unique_lock lock(impl_->mu);
  if (impl_->closed) return Status::Closed();
  if (impl_->db) {
    impl_->db->Close().PermitUncheckedError();  // reports the error we are recovering from
    impl_->db.reset();
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(impl_->db_options, impl_->path, &raw);
  if (!s.ok()) {
    impl_->unavailable_reason = "reopening after a write error failed: " + s.ToString();
    return Status::IoError(impl_->unavailable_reason);
  }
  impl_->db.reset(raw);
  impl_->unavailable_reason.clear();
  impl_->needs_recovery.store(false, std::memory_order_release);
  impl_->recoveries.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status RocksDbStore::WriteBatch(std::span<const StoreOp> ops) {
  if (impl_->needs_recovery.load(std::memory_order_acquire)) {
    if (Status r = Recover(); !r.ok()) return r;
  }
  NoPerfCounting();
  rocksdb::WriteBatch batch;
  RecordParts parts;
  auto slice = [](std::string_view v) { return rocksdb::Slice(v.data(), v.size()); };
  for (const StoreOp& op : ops) {
    const rocksdb::Slice key = slice(op.key);
    rocksdb::Status s;
    if (op.kind == StoreOp::Kind::kPut) {
      // The encoding in pieces around the value: the batch is the one copy of the value.
      RecordCodec::EncodeParts(op.record, &parts);
      const rocksdb::Slice pieces[3] = {slice(parts.head_bytes()), slice(parts.value),
                                        slice(parts.tail_bytes())};
      s = batch.Put(rocksdb::SliceParts(&key, 1), rocksdb::SliceParts(pieces, 3));
    } else {
      s = batch.Delete(key);
    }
    if (!s.ok()) return FromRocks(s);  // e.g. a key or value over RocksDB's size limits
  }
  std::shared_lock lock(impl_->mu);
  if (Status u = impl_->Usable(); !u.ok()) return u;
  if (ops.empty()) return Status::Ok();
  rocksdb::Status s = impl_->db->Write(impl_->write_options, &batch);
  if (!s.ok()) {
    impl_->needs_recovery.store(true, std::memory_order_release);
    return FromRocks(s);
  }
  return Status::Ok();
}

Status RocksDbStore::ForEach(StoreVisitor visit) {
  NoPerfCounting();
  std::shared_lock lock(impl_->mu);
  if (Status u = impl_->Usable(); !u.ok()) return u;
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;  // a full scan must not flush the read-through working set
  read_options.readahead_size = size_t{2} << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options));
  StoredRecord rec;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    const rocksdb::Slice v = it->value();
    if (!RecordCodec::DecodeTo({v.data(), v.size()}, &rec)) {
      return Status::Corruption("stored record of key '" + Printable({k.data(), k.size()}) +
                                "' is invalid");
    }
    if (!visit(std::string_view(k.data(), k.size()), rec)) return Status::Ok();
  }
  return FromRocks(it->status());
}

Status RocksDbStore::Close() {
  std::unique_lock lock(impl_->mu);
  if (impl_->closed) return Status::Ok();
  impl_->closed = true;
  if (!impl_->db) return Status::Ok();
  Status result;
  if (!options_.write_sync && !impl_->needs_recovery.load(std::memory_order_acquire)) {
    // Every acknowledged write is already in the WAL; make a clean shutdown power-safe too.
    // (Not after a write error: RocksDB refuses, and Debian's build asserts on it.)
    result = FromRocks(impl_->db->FlushWAL(/*sync=*/true));
  }
  rocksdb::Status s = impl_->db->Close();
  impl_->db.reset();
  if (result.ok()) result = FromRocks(s);
  return result;
}

Status RocksDbStore::CompactAll() {
  std::shared_lock lock(impl_->mu);
  if (Status u = impl_->Usable(); !u.ok()) return u;
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(impl_->db->CompactRange(cro, nullptr, nullptr));
}

uint64_t RocksDbStore::EstimateKeys() const {
  std::shared_lock lock(impl_->mu);
  uint64_t n = 0;
  if (impl_->Usable().ok()) {
    impl_->db->GetIntProperty(rocksdb::DB::Properties::kEstimateNumKeys, &n);
  }
  return n;
}

uint64_t RocksDbStore::expired_dropped() const { return impl_->filter.dropped(); }

uint64_t RocksDbStore::recoveries() const {
  return impl_->recoveries.load(std::memory_order_relaxed);
}

}  // namespace cairn
