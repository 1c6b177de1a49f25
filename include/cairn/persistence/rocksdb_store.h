// RocksDbStore: the backing store on embedded RocksDB (Debian librocksdb 7.8) in the data dir.
//
// Layout: one default column family; RocksDB key = cache key bytes, RocksDB value = the
// cairn.v1.Record encoding (RecordCodec). A write batch is one rocksdb::WriteBatch, so it is
// atomic and, once Write returns, in the WAL: a crash (kill -9) after an ok WriteBatch loses
// nothing; with write_sync the WAL is also fsynced, so a power loss loses nothing either.
//
// Options (the config module documents them in config/cairn.conf, in the style of redis.conf's
// appendfsync text):
//   path               the data dir; created (with parents) if missing.
//   block_cache_bytes  RocksDB's LRU block cache for reads (read-through, warm-load). 0 disables
//                      it; reads then go to the OS page cache.
//   compression        none | snappy | lz4 | zstd, for SST files (the WAL is not compressed).
//                      Debian's librocksdb is built with all four; Open refuses one the library
//                      lacks (kNotSupported) instead of silently writing uncompressed.
//   write_sync         false (default): a write is in the WAL (OS page cache) before WriteBatch
//                      returns - survives a process crash, not a power loss; like appendfsync
//                      no. true: fsync per write batch - survives power loss, costs one fsync
//                      per batch (write-back amortises it over a whole batch; write-through pays
//                      it per client write); like appendfsync always.
//   background_jobs    RocksDB flush + compaction threads (max_background_jobs).
//   recover_interval_ms  while the store is failing, how often the watchdog tries to recover
//                      (backing off to 5 s while attempts fail; tests set 0: every 50 ms).
//   write_buffer_bytes RocksDB's memtable size (write_buffer_size; up to two are in memory: one
//                      filling, one being flushed). Every write inserts into its skip list, and
//                      a smaller one stays in the CPU caches: random single-key writes (write-
//                      through) cost less; larger ones flush and compact less often.
//
// Expiry: a compaction filter drops records whose expire_at_ms <= clock.NowMs(), turning them
// into deletions, so expired keys stop costing disk without a scan. It runs only when RocksDB
// compacts, so Get and ForEach may still return expired records: callers check ExpiredAt. Records
// that fail to decode are kept (the store never deletes what it does not understand).
//
// Failures: a failed write (disk full, read-only dir, I/O error) returns kIoError and puts
// RocksDB in an error state in which every later write fails too; so does a failed background
// memtable flush or MANIFEST write (an EventListener reports those). While failing, health()
// says so, every write fails at once with the last error, and a watchdog thread tries to
// recover (every recover_interval_ms, backing off to 5 s while attempts fail; RocksDB's own
// auto-recovery is off): DB::Resume(); after a failed WAL append (whose writer RocksDB would
// append to again), a fatal error or a few failed Resumes in a row, close and reopen, which replays
// the WAL up to its last intact record; a reopen that fails leaves a read-only instance. So reads
// keep working, and a write-back retry succeeds soon after the cause is gone. RocksDB's info log
// goes to Cairn's log (spdlog), not to <path>/LOG: RocksDB's file logger aborts the process (an
// assertion in Debian's build) on its second line after a failed write to a full disk. Details in
// src/persistence/rocksdb_faults.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/common/clock.h"
#include "cairn/persistence/backing_store.h"

namespace cairn {

enum class Compression : uint8_t { kNone, kSnappy, kLz4, kZstd };

std::string_view ToString(Compression c);
// "none" | "snappy" | "lz4" | "zstd" (case-insensitive); nullopt otherwise.
std::optional<Compression> ParseCompression(std::string_view name);
// Whether the linked librocksdb supports `c`.
bool CompressionSupported(Compression c);

struct RocksDbOptions {
  std::string path;
  size_t block_cache_bytes = size_t{64} << 20;
  Compression compression = Compression::kLz4;
  bool write_sync = false;
  int background_jobs = 2;
  size_t write_buffer_bytes = size_t{64} << 20;
  // While writes fail, the watchdog tries to recover this often (at least every 50 ms).
  int64_t recover_interval_ms = 1000;
};

// Whether the store takes writes (INFO persistence, /readyz, the write-through error reply).
struct StoreHealth {
  bool ok = true;
  std::string last_error;        // the latest write error (kept after a recovery); "" if none
  int64_t failing_since_ms = 0;  // Clock::NowMs when writes stopped; 0 while ok
  uint64_t errors = 0;           // write errors (ours and RocksDB's background ones) since Open
  uint64_t recoveries = 0;       // recoveries from them (Resume, reopen)
};

// Called on each transition: (false, error) when writes stop, (true, how) when they resume. Runs
// on the thread that saw it (a writer, RocksDB's background thread): it must be quick and must
// not call into the store.
using StoreHealthObserver = std::function<void(bool ok, const std::string& detail)>;

class RocksDbStore final : public BackingStore {
 public:
  // Opens (creating if needed) the store. `clock` drives the expiry compaction filter and must
  // outlive the store. Errors: kIoError (dir not creatable/writable, locked by another process),
  // kInvalidArgument (bad options), kNotSupported (compression), kCorruption.
  static Result<std::unique_ptr<RocksDbStore>> Open(const RocksDbOptions& options,
                                                    const Clock& clock);
  ~RocksDbStore() override;
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  std::string_view name() const override { return "rocksdb"; }
  Result<std::optional<StoredRecord>> Get(std::string_view key) override;
  Status WriteBatch(std::span<const StoreOp> ops) override;
  Status ForEach(StoreVisitor visit) override;
  // Flushes the memtable and closes the DB (the WAL already holds every acknowledged write).
  Status Close() override;

  // Full manual compaction (memtable flush + every level, bottommost included), which runs the
  // expiry filter over everything. For tests and an operator command; blocks.
  Status CompactAll();
  // RocksDB's estimate of the number of keys (rocksdb.estimate-num-keys), for INFO.
  uint64_t EstimateKeys() const;
  // Records dropped as expired by the compaction filter since Open.
  uint64_t expired_dropped() const;
  // Successful recoveries from a write error (Resume, reopen) since Open.
  uint64_t recoveries() const;
  StoreHealth health() const;
  void SetHealthObserver(StoreHealthObserver observer);
  const RocksDbOptions& options() const { return options_; }

 private:
  struct Impl;
  RocksDbStore(RocksDbOptions options, std::unique_ptr<Impl> impl);
  Status Recover();

  RocksDbOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn
