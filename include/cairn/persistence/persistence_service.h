// PersistenceService: everything durable, composed for the server. It owns the RocksDB store in
// `<data-dir>/rocksdb`, plugs it into the cache as its BackingTier, runs the write-back
// FlushService, warm-loads at startup, and writes and restores snapshots in
// `<data-dir>/snapshots/<name>.snap`.
//
// Threads: the flusher and warm-load threads, and one BGSAVE thread at a time; none is an I/O
// thread. Snapshots are captured one shard at a time (copied under that shard's lock, written to
// disk with no lock held), so a request waits at most for one shard's copy. A restore verifies the
// whole file before it touches the cache, then swaps the cache's contents atomically.
//
// Shutdown: Shutdown(flush=true) stops the flusher and flushes every dirty key, retrying until
// `shutdown_timeout_ms`; SHUTDOWN NOSAVE skips the flush only when asked.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cairn/cache/backing_tier.h"
#include "cairn/cache/flush_service.h"
#include "cairn/cache/options.h"
#include "cairn/persistence/rocksdb_store.h"
#include "cairn/persistence/snapshot.h"
#include "cairn/persistence/status.h"

namespace cairn {

class CacheManager;
class StoreTier;

struct PersistenceOptions {
  std::string data_dir = "./data";
  WriteMode write_mode = WriteMode::kNone;
  bool read_through = false;
  bool warm_load = true;
  int64_t write_back_interval_ms = 1000;
  uint64_t write_back_max_dirty = 250'000;
  // write-back-hard-limit, write-back-hard-limit-bytes, write-back-overflow
  WriteBackLimits write_back_limits{.max_keys = 1'000'000};
  int64_t shutdown_timeout_ms = 10'000;
  RocksDbOptions rocksdb;  // path is set to <data_dir>/rocksdb
  std::string snapshot_on_start;
  // Warm-load loads only the keys this accepts (null: every key). Cluster mode passes "the slot
  // is this node's", so keys of slots moved away before a restart stay in the store, unloaded.
  std::function<bool(std::string_view key)> warm_load_filter;
};

struct PersistenceInfo {
  std::string write_policy;
  bool loading = false;
  uint64_t loaded_keys = 0;
  uint64_t dirty_keys = 0, dirty_bytes = 0;
  int64_t oldest_dirty_age_ms = 0;
  FlushStats flush;
  uint64_t tier_errors = 0;
  bool read_through = false;
  uint64_t read_through_hits = 0, read_through_misses = 0;
  uint64_t backpressure_rejections = 0;
  int64_t last_save_s = 0;  // LASTSAVE
  bool bgsave_in_progress = false;
  std::string last_bgsave_status = "ok";
  int64_t last_save_duration_ms = 0;
  uint64_t last_save_keys = 0;
  uint64_t store_keys_estimate = 0;
  StoreHealth store;  // whether the store takes writes
};

struct SnapshotListing {
  std::string name;
  SnapshotInfo info;
};

class PersistenceService {
 public:
  PersistenceService(CacheManager& cache, const Clock& clock, PersistenceOptions options);
  ~PersistenceService();

  // Opens the store and applies the write policy. A failure here stops startup.
  Status Open();
  // Starts the flusher and (if configured) warm-load / snapshot-on-start in the background.
  void Start();
  // Before Start: see PersistenceOptions::warm_load_filter.
  void SetWarmLoadFilter(std::function<bool(std::string_view key)> filter) {
    options_.warm_load_filter = std::move(filter);
  }
  // Whether the store takes writes (true without a store).
  bool StoreOk() const { return !store_ || store_->health().ok; }
  bool loading() const { return loading_.load(std::memory_order_acquire); }
  // Waits for warm-load (tests, SAVE during load).
  void WaitLoaded();

  // --- run-time configuration ---
  Status SetWriteMode(WriteMode mode);
  void SetReadThrough(bool on);
  // The write-back timer, early flush and backpressure.
  void ConfigureWriteBack(int64_t interval_ms, uint64_t max_dirty, const WriteBackLimits& limits);

  // --- commands ---
  Result<size_t> FlushNow();                           // WRITEBACK FLUSH
  Result<SnapshotInfo> Save(const std::string& name);  // SAVE, SNAPSHOT CREATE
  Status BgSave(const std::string& name);              // BGSAVE: kAborted if one is running
  Result<SnapshotInfo> Restore(const std::string& name);
  Result<std::vector<SnapshotListing>> ListSnapshots() const;
  Status DeleteSnapshot(const std::string& name);
  PersistenceInfo Info() const;
  // Unix seconds of the last successful save (LASTSAVE): one small lock, where Info() visits
  // every shard (pollers of LASTSAVE during a BGSAVE must not queue behind the capture).
  int64_t LastSaveS() const;

  // Flushes everything dirty (bounded by shutdown_timeout_ms) when `flush`, stops threads,
  // closes the store.
  Status Shutdown(bool flush);
  // SHUTDOWN NOSAVE sets false: the composition root passes flush_on_shutdown() to Shutdown.
  void SetFlushOnShutdown(bool flush) { flush_on_shutdown_.store(flush); }
  bool flush_on_shutdown() const { return flush_on_shutdown_.load(); }
  void SetShutdownTimeout(int64_t ms) { options_.shutdown_timeout_ms = ms; }

  static bool ValidSnapshotName(const std::string& name);
  std::string SnapshotPath(const std::string& name) const;

 private:
  void WarmLoad();

  CacheManager& cache_;
  const Clock& clock_;
  PersistenceOptions options_;
  std::unique_ptr<RocksDbStore> store_;
  std::unique_ptr<StoreTier> tier_;
  std::unique_ptr<FlushService> flusher_;
  std::atomic<bool> loading_{false};
  std::atomic<uint64_t> loaded_keys_{0};
  std::thread loader_;
  std::mutex save_mu_;  // one snapshot write at a time
  std::thread bgsave_;
  std::atomic<bool> bgsave_running_{false};
  mutable std::mutex info_mu_;
  int64_t last_save_s_ = 0;
  int64_t last_save_duration_ms_ = 0;
  uint64_t last_save_keys_ = 0;
  std::string last_bgsave_status_ = "ok";
  bool closed_ = false;
  std::atomic<bool> flush_on_shutdown_{true};
};

}  // namespace cairn
