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

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <thread>

#include "cairn/common/strings.h"
#include "rocksdb_faults.h"

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
  // IOError, NoSpace, Busy, TimedOut, Aborted ...; without RocksDB's "IO error: ", which our
  // own ToString adds again.
  std::string message = s.ToString();
  constexpr std::string_view kPrefix = "IO error: ";
  if (message.starts_with(kPrefix)) message.erase(0, kPrefix.size());
  return Status::IoError(std::move(message));
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

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
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
using rocksdb_faults::ErrorListener;
using rocksdb_faults::SpdlogInfoLog;
using rocksdb_faults::StoreHealthState;

struct RocksDbStore::Impl {
  explicit Impl(const Clock& clock) : filter(clock), health(clock) {}

  // Returns ok when `db` can be used; under `mu` (shared or exclusive).
  Status Usable() const {
    if (closed) return Status::Closed();
    if (!db) return Status::IoError("store unavailable: " + unavailable_reason);
    return Status::Ok();
  }

  // Declared before db: the DB must be gone before the filter, logger and listener it calls.
  ExpiryCompactionFilter filter;
  StoreHealthState health;
  rocksdb::Options db_options;
  std::string path;
  rocksdb::WriteOptions write_options;

  mutable std::shared_mutex mu;
  std::unique_ptr<rocksdb::DB> db;
  bool read_only = false;  // db is a read-only instance: a reopen failed, reads still work
  bool closed = false;
  std::string unavailable_reason;  // why db is null after a failed reopen

  std::mutex recover_mu;
  // While failing, the watchdog tries to recover every recover_interval_ms, backing off to
  // kMaxRecoverBackoffMs while attempts fail (a failed reopen replays the WAL).
  int64_t recover_interval_ms = 1000;
  int64_t recover_backoff_ms = 1000;  // grows to kMaxRecoverBackoffMs while attempts fail
  static constexpr int64_t kMaxRecoverBackoffMs = 5000;
  static constexpr int kReopenAfterResumeFailures = 4;
  int resume_failures = 0;  // in a row; under recover_mu
  std::atomic<int64_t> next_recover_ms{0};

  // The watchdog: while the store is failing it tries to recover, so that flushing (and a
  // store nobody writes to: write-through with idle clients) resumes by itself.
  std::thread watchdog;
  std::mutex watchdog_mu;
  std::condition_variable watchdog_cv;
  bool watchdog_stop = false;
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
  db_options.info_log = std::make_shared<SpdlogInfoLog>();
  db_options.listeners.push_back(std::make_shared<ErrorListener>(impl->health));
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
  impl->recover_interval_ms = std::max<int64_t>(0, options.recover_interval_ms);
  impl->recover_backoff_ms = impl->recover_interval_ms;
  impl->write_options.sync = options.write_sync;

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, &raw);
  if (!s.ok()) {
    const std::string error = "cannot open RocksDB in '" + options.path + "': " + s.ToString();
    // A full or read-only disk under an existing store: start failing, on a read-only instance
    // (reads need no space), and let the watchdog reopen it once writes can succeed. Not for
    // other errors (a LOCK held by another process must stay an error).
    std::error_code ec;
    const bool no_room =
        s.IsNoSpace() || s.ToString().find("Read-only file system") != std::string::npos;
    if (!no_room || !std::filesystem::exists(options.path + "/CURRENT", ec) ||
        !rocksdb::DB::OpenForReadOnly(db_options, options.path, &raw).ok()) {
      return Status(FromRocks(s).code(), error);
    }
    impl->read_only = true;
    impl->health.SetWalFailed();  // recovery reopens
    impl->health.Fail("open", error);
    impl->next_recover_ms.store(SteadyMs() + impl->recover_interval_ms);
  }
  impl->db.reset(raw);
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(options, std::move(impl)));
}

RocksDbStore::RocksDbStore(RocksDbOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {
  impl_->watchdog = std::thread([this] {
    const auto period =
        std::chrono::milliseconds(std::max<int64_t>(50, impl_->recover_interval_ms));
    std::unique_lock lock(impl_->watchdog_mu);
    while (!impl_->watchdog_cv.wait_for(lock, period, [this] { return impl_->watchdog_stop; })) {
      if (!impl_->health.failing()) continue;
      lock.unlock();
      (void)Recover();
      lock.lock();
    }
  });
}

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

// After a failed write RocksDB refuses all writes until the error is cleared. Resume() clears
// it (flushing the memtables to new SSTs) once the cause is gone (RocksDB's own recovery is off:
// see ErrorListener). After a failed WAL append, when Resume fails fatally, or after a few
// failures in a row, the DB is closed and reopened, which
// replays the WAL up to its last intact record (every acknowledged write) and starts a new one.
// A reopen that fails (the disk still full) leaves a read-only instance, so reads go on.
Status RocksDbStore::Recover() {
  std::lock_guard recover_lock(impl_->recover_mu);
  if (!impl_->health.failing()) return Status::Ok();
  const int64_t now = SteadyMs();
  if (now < impl_->next_recover_ms.load(std::memory_order_relaxed)) {
    return Status::IoError(impl_->health.last_error());
  }
  // Paced with backoff: a failed reopen replays the WAL, not something to do many times a second.
  impl_->next_recover_ms.store(now + impl_->recover_backoff_ms, std::memory_order_relaxed);
  impl_->recover_backoff_ms =
      std::min(Impl::kMaxRecoverBackoffMs,
               std::max<int64_t>(impl_->recover_interval_ms, 2 * impl_->recover_backoff_ms));
  if (!impl_->health.wal_failed()) {
    std::shared_lock lock(impl_->mu);
    if (impl_->closed) return Status::Closed();
    if (impl_->db && !impl_->read_only) {
      const rocksdb::Status resumed = impl_->db->Resume();
      if (resumed.ok()) {
        impl_->recover_backoff_ms = impl_->recover_interval_ms;
        impl_->resume_failures = 0;
        impl_->health.Recovered("resumed");
        return Status::Ok();
      }
      // Busy: a recovery runs. A failure that is not fatal (the disk still full):
      // try again later, a reopen would fail the same way; but reopen after a few in a row.
      if (resumed.IsBusy() || (resumed.severity() < rocksdb::Status::Severity::kFatalError &&
                               ++impl_->resume_failures % Impl::kReopenAfterResumeFailures != 0)) {
        spdlog::debug("persistence: RocksDB Resume: {}", resumed.ToString());
        return Status::IoError(impl_->health.last_error());
      }
    }
  }
  std::unique_lock lock(impl_->mu);
  if (impl_->closed) return Status::Closed();
  if (impl_->db) {
    impl_->db->Close().PermitUncheckedError();  // reports the error we are recovering from
    impl_->db.reset();
  }
  impl_->read_only = false;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(impl_->db_options, impl_->path, &raw);
  if (s.ok()) {
    impl_->db.reset(raw);
    impl_->unavailable_reason.clear();
    impl_->recover_backoff_ms = impl_->recover_interval_ms;
    impl_->resume_failures = 0;
    impl_->health.Recovered("reopened");
    return Status::Ok();
  }
  const std::string error = "reopening after a write error failed: " + s.ToString();
  // Reads need no space: serve them from a read-only instance until a reopen succeeds.
  raw = nullptr;
  if (rocksdb::DB::OpenForReadOnly(impl_->db_options, impl_->path, &raw).ok()) {
    impl_->db.reset(raw);
    impl_->read_only = true;
  } else {
    impl_->unavailable_reason = error;
  }
  impl_->health.SetWalFailed();  // the next attempt reopens again
  impl_->health.Fail("reopen", error);
  return Status::IoError(error);
}

Status RocksDbStore::WriteBatch(std::span<const StoreOp> ops) {
  // While failing, refuse at once: only the watchdog recovers. A writer may hold shard locks
  // (write-through), and a reopen waits for every reader of the store, warm-load among them,
  // which takes shard locks: recovering here could deadlock, and would stall the shard.
  if (impl_->health.failing()) return Status::IoError(impl_->health.last_error());
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
    // The first recovery attempt waits a little: the cause (a full disk) is rarely gone at once.
    impl_->next_recover_ms.store(SteadyMs() + impl_->recover_interval_ms,
                                 std::memory_order_relaxed);
    // (RocksDB's listener has usually reported it already, as a failed WAL write.)
    if (!impl_->health.failing()) impl_->health.Fail("write", s.ToString());
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
  {
    std::lock_guard lock(impl_->watchdog_mu);
    impl_->watchdog_stop = true;
  }
  impl_->watchdog_cv.notify_all();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();
  std::unique_lock lock(impl_->mu);
  if (impl_->closed) return Status::Ok();
  impl_->closed = true;
  if (!impl_->db) return Status::Ok();
  Status result;
  if (!options_.write_sync && !impl_->health.failing()) {
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

uint64_t RocksDbStore::recoveries() const { return impl_->health.Snapshot().recoveries; }

StoreHealth RocksDbStore::health() const { return impl_->health.Snapshot(); }

void RocksDbStore::SetHealthObserver(StoreHealthObserver observer) {
  impl_->health.SetObserver(std::move(observer));
}

}  // namespace cairn
