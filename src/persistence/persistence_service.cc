#include "cairn/persistence/persistence_service.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "cairn/cache/cache_manager.h"
#include "cairn/events/event_bus.h"
#include "cairn/eviction/registry.h"
#include "cairn/persistence/store_tier.h"

namespace cairn {
namespace fs = std::filesystem;

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One captured entry: its key and value are at `off` in the capture arena (key, then value).
struct CapturedEntry {
  size_t off;
  uint32_t key_len, value_len;
  int64_t expire_at_ms;
  uint64_t version;
  uint8_t freq;
  uint32_t last_access_s;
};

}  // namespace

PersistenceService::PersistenceService(CacheManager& cache, const Clock& clock,
                                       PersistenceOptions options)
    : cache_(cache), clock_(clock), options_(std::move(options)) {
  options_.rocksdb.path = (fs::path(options_.data_dir) / "rocksdb").string();
}

PersistenceService::~PersistenceService() { Shutdown(false); }

Status PersistenceService::Open() {
  std::error_code ec;
  fs::create_directories(fs::path(options_.data_dir) / "snapshots", ec);
  if (ec) {
    return Status::IoError("cannot create data dir '" + options_.data_dir + "': " + ec.message());
  }
  auto store = RocksDbStore::Open(options_.rocksdb, clock_);
  if (!store.ok()) return store.status();
  store_ = std::move(store).value();
  tier_ = std::make_unique<StoreTier>(*store_);
  cache_.SetBackingTier(tier_.get());
  cache_.SetReadThrough(options_.read_through);
  cache_.SetWriteBackLimits(options_.write_back_limits);
  if (Status st = cache_.SetWriteMode(options_.write_mode); !st.ok()) return st;
  flusher_ = std::make_unique<FlushService>(cache_, options_.write_back_interval_ms,
                                            options_.write_back_max_dirty);
  auto on_health = [this](bool ok, const std::string& detail) {
    EventBus* bus = cache_.bus();
    const EventType type = ok ? EventType::kStoreRecovered : EventType::kStoreFailing;
    if (bus != nullptr && bus->Wants(type)) {
      bus->Publish(Event{type, EvictionCause::kNone, clock_.NowMs(), {}, detail});
    }
    if (ok && flusher_) flusher_->Wake();  // the store's watchdog recovered: flush the backlog now
  };
  // Opened on a full or read-only disk: failing from the start.
  if (StoreHealth h = store_->health(); !h.ok) on_health(false, h.last_error);
  store_->SetHealthObserver(std::move(on_health));
  return Status::Ok();
}

void PersistenceService::Start() {
  if (flusher_) flusher_->Start();
  if (options_.warm_load || !options_.snapshot_on_start.empty()) {
    loading_.store(true, std::memory_order_release);
    loader_ = std::thread([this] { WarmLoad(); });
  }
}

void PersistenceService::WaitLoaded() {
  while (loading()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void PersistenceService::WarmLoad() {
  if (!options_.snapshot_on_start.empty()) {
    Restore(options_.snapshot_on_start);  // errors are reported in INFO/logs by the caller
  } else if (store_) {
    // Key order (RocksDB cannot tell hotness); stops at capacity: read-through serves the rest.
    Status st = store_->ForEach([&](std::string_view key, const StoredRecord& rec) {
      if (options_.warm_load_filter && !options_.warm_load_filter(key)) return true;
      OpStatus op = cache_.LoadClean(key, rec.value, rec.expire_at_ms);
      if (op == OpStatus::kOk) loaded_keys_.fetch_add(1, std::memory_order_relaxed);
      return op != OpStatus::kOutOfMemory;
    });
    // A read error (EIO) ends the load early; the server serves what it has (and read-through
    // the rest, where the store can still read it).
    if (!st.ok()) {
      spdlog::error("persistence: warm-load stopped after {} keys: {}", loaded_keys_.load(),
                    st.ToString());
    }
  }
  loading_.store(false, std::memory_order_release);
}

Status PersistenceService::SetWriteMode(WriteMode mode) { return cache_.SetWriteMode(mode); }

void PersistenceService::SetReadThrough(bool on) { cache_.SetReadThrough(on); }

void PersistenceService::ConfigureWriteBack(int64_t interval_ms, uint64_t max_dirty,
                                            const WriteBackLimits& limits) {
  options_.write_back_interval_ms = interval_ms;
  options_.write_back_max_dirty = max_dirty;
  options_.write_back_limits = limits;
  if (flusher_) flusher_->Configure(interval_ms, max_dirty);
  cache_.SetWriteBackLimits(limits);
}

Result<size_t> PersistenceService::FlushNow() {
  if (!flusher_) return Status::Closed();
  CacheManager::FlushResult r = flusher_->FlushNow();
  if (!r.status.ok()) return std::move(r.status);
  return r.written;
}

bool PersistenceService::ValidSnapshotName(const std::string& name) {
  // Same rule as the snapshot-on-start config key: 1-128 of A-Z a-z 0-9 . _ -, no leading '.'.
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::string PersistenceService::SnapshotPath(const std::string& name) const {
  return (fs::path(options_.data_dir) / "snapshots" / (name + ".snap")).string();
}

Result<SnapshotInfo> PersistenceService::Save(const std::string& name) {
  if (!ValidSnapshotName(name)) {
    return Status::InvalidArgument("invalid snapshot name '" + name +
                                   "' (use 1-128 of A-Z a-z 0-9 _ - ., not starting with '.')");
  }
  std::lock_guard lock(save_mu_);
  const int64_t start = SteadyMs();
  SnapshotWriterOptions wo;
  wo.created_at_ms = clock_.NowMs();
  wo.policy = cache_.policy();
  auto writer = SnapshotWriter::Open(SnapshotPath(name), wo);
  if (!writer.ok()) return writer.status();
  // Copy a chunk of a shard under its lock (memory only), then write it out with no lock held,
  // then the next chunk. The copy appends to one arena reused across chunks (no allocation per
  // entry once it has grown), so lock holds are short; and the write-out between two holds lets
  // the requests queued on the lock in. Taking the next chunk at once starved them: perf sched
  // showed the I/O thread woken and put back to sleep on the futex for ~36 ms per shard.
  std::string arena;
  std::vector<CapturedEntry> batch;
  for (size_t i = 0; i < cache_.shard_count(); ++i) {
    uint64_t cursor = 0;
    do {
      arena.clear();
      batch.clear();
      cursor = cache_.CaptureChunk(i, cursor, [&](const Entry& e) {
        batch.push_back({arena.size(), static_cast<uint32_t>(e.key().size()), e.value_len(),
                         e.expire_at_ms(), e.version(), e.freq(), e.last_access_s()});
        arena.append(e.key()).append(e.value());
      });
      for (const CapturedEntry& c : batch) {
        const std::string_view key(arena.data() + c.off, c.key_len);
        const std::string_view value(arena.data() + c.off + c.key_len, c.value_len);
        Status st = writer.value()->Add(
            SnapshotEntry{key, value, c.expire_at_ms, c.version, c.freq, c.last_access_s});
        if (!st.ok()) return st;
      }
    } while (cursor != 0);
  }
  auto info = writer.value()->Commit();
  if (!info.ok()) return info.status();
  std::lock_guard ilock(info_mu_);
  last_save_s_ = clock_.NowMs() / 1000;
  last_save_duration_ms_ = SteadyMs() - start;
  last_save_keys_ = info.value().entry_count;
  return info;
}

Status PersistenceService::BgSave(const std::string& name) {
  if (!ValidSnapshotName(name)) return Status::InvalidArgument("invalid snapshot name");
  bool expected = false;
  if (!bgsave_running_.compare_exchange_strong(expected, true)) {
    return Status::Aborted("Background save already in progress");
  }
  if (bgsave_.joinable()) bgsave_.join();
  bgsave_ = std::thread([this, name] {
    auto r = Save(name);
    {
      std::lock_guard lock(info_mu_);
      last_bgsave_status_ = r.ok() ? "ok" : "err: " + r.status().ToString();
    }
    bgsave_running_.store(false, std::memory_order_release);
  });
  return Status::Ok();
}

Result<SnapshotInfo> PersistenceService::Restore(const std::string& name) {
  if (!ValidSnapshotName(name)) return Status::InvalidArgument("invalid snapshot name");
  std::vector<CacheManager::RestoreEntry> entries;
  // Read verifies the whole file before the first visit: a corrupt file changes nothing.
  auto info = SnapshotReader::Read(SnapshotPath(name), [&](const SnapshotEntry& e) {
    entries.push_back(
        {std::string(e.key), std::string(e.value), e.expire_at_ms, e.freq, e.last_access_s});
    return true;
  });
  if (!info.ok()) return info.status();
  // Under write-through the tier must match the restored cache: replace its contents first.
  if (cache_.write_mode() == WriteMode::kWriteThrough && tier_) {
    if (Status st = tier_->Clear(); !st.ok()) return st;
    std::vector<TierWrite> batch;
    for (size_t i = 0; i < entries.size(); ++i) {
      batch.push_back({entries[i].key, entries[i].value, entries[i].expire_at_ms, 0, false});
      if (batch.size() == 1000 || i + 1 == entries.size()) {
        if (Status st = tier_->Write(batch); !st.ok()) return st;
        batch.clear();
      }
    }
  }
  cache_.Restore(std::move(entries));
  return info;
}

Result<std::vector<SnapshotListing>> PersistenceService::ListSnapshots() const {
  std::vector<SnapshotListing> out;
  std::error_code ec;
  fs::path dir = fs::path(options_.data_dir) / "snapshots";
  for (const auto& de : fs::directory_iterator(dir, ec)) {
    if (!de.is_regular_file() || de.path().extension() != ".snap") continue;
    auto info = SnapshotReader::ReadHeader(de.path().string());
    if (!info.ok()) continue;
    out.push_back({de.path().stem().string(), info.value()});
  }
  if (ec) return Status::IoError(ec.message());
  std::sort(out.begin(), out.end(),
            [](const SnapshotListing& a, const SnapshotListing& b) { return a.name < b.name; });
  return out;
}

Status PersistenceService::DeleteSnapshot(const std::string& name) {
  if (!ValidSnapshotName(name)) return Status::InvalidArgument("invalid snapshot name");
  std::error_code ec;
  if (!fs::remove(SnapshotPath(name), ec)) {
    return ec ? Status::IoError(ec.message()) : Status::NotFound("no such snapshot '" + name + "'");
  }
  return Status::Ok();
}

int64_t PersistenceService::LastSaveS() const {
  std::lock_guard lock(info_mu_);
  return last_save_s_;
}

PersistenceInfo PersistenceService::Info() const {
  PersistenceInfo info;
  info.write_policy = ToString(cache_.write_mode());
  info.loading = loading();
  info.loaded_keys = loaded_keys_.load(std::memory_order_relaxed);
  PersistStats ps = cache_.persist_stats();
  info.dirty_keys = ps.dirty_keys;
  info.dirty_bytes = ps.dirty_bytes;
  info.oldest_dirty_age_ms = ps.oldest_dirty_age_ms;
  info.tier_errors = ps.tier_errors;
  info.read_through = cache_.read_through();
  info.read_through_hits = ps.read_through_hits;
  info.read_through_misses = ps.read_through_misses;
  info.backpressure_rejections = ps.backpressure_rejections;
  if (flusher_) info.flush = flusher_->stats();
  info.bgsave_in_progress = bgsave_running_.load(std::memory_order_acquire);
  if (store_) {
    info.store_keys_estimate = store_->EstimateKeys();
    info.store = store_->health();
  }
  std::lock_guard lock(info_mu_);
  info.last_save_s = last_save_s_;
  info.last_bgsave_status = last_bgsave_status_;
  info.last_save_duration_ms = last_save_duration_ms_;
  info.last_save_keys = last_save_keys_;
  return info;
}

Status PersistenceService::Shutdown(bool flush) {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (loader_.joinable()) loader_.join();
  if (bgsave_.joinable()) bgsave_.join();
  if (flusher_) flusher_->Stop();
  Status result;
  if (flush && flusher_) {
    const int64_t deadline = SteadyMs() + options_.shutdown_timeout_ms;
    std::string err;
    while (cache_.dirty_keys() > 0 && SteadyMs() < deadline) {
      err = flusher_->FlushNow().status.message();
      if (!err.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (cache_.dirty_keys() > 0) {
      result = Status::IoError(std::to_string(cache_.dirty_keys()) +
                               " dirty keys could not be flushed before shutdown-timeout" +
                               (err.empty() ? "" : ": " + err));
    }
  }
  cache_.SetBackingTier(nullptr);
  if (store_) {
    Status st = store_->Close();
    if (result.ok() && !st.ok()) result = st;
  }
  return result;
}

}  // namespace cairn
