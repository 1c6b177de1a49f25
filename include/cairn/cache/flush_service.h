// FlushService: the write-back flusher (a maintenance thread, never an I/O thread).
//
// Every `interval_ms` — or as soon as `max_dirty` keys are pending — it writes the dirty backlog
// to the tier through CacheManager::FlushDirty (coalesced: only each key's latest value or its
// delete, in batches of 256 per shard lock). A failed flush (I/O error, disk full, read-only
// directory) publishes a flush_error event, keeps every entry dirty, and retries with exponential
// backoff (interval x 2^n, capped at kMaxBackoffMs); the server keeps serving meanwhile, and
// Wake() (the store recovered by itself) retries at once. Its counters feed INFO persistence.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "cairn/cache/cache_manager.h"

namespace cairn {

struct FlushStats {
  uint64_t flushes = 0;  // successful flush rounds that wrote at least one key
  uint64_t flushed_keys = 0;
  uint64_t flush_errors = 0;
  int64_t last_flush_duration_ms = 0;
  std::string last_flush_status = "ok";  // "ok" or "err: <message>"
  int64_t next_retry_in_ms = 0;
};

class FlushService {
 public:
  FlushService(CacheManager& cache, int64_t interval_ms, uint64_t max_dirty);
  ~FlushService();
  void Start();
  void Stop();
  // Flushes now on the caller's thread (WRITEBACK FLUSH, shutdown): keys written, and the
  // tier's Status on failure.
  CacheManager::FlushResult FlushNow();
  void Configure(int64_t interval_ms, uint64_t max_dirty);
  FlushStats stats() const;
  // Ends a failure backoff: the next round runs now (the store says it takes writes again).
  void Wake();

  // The longest wait between two retries after failures: how late, at most, flushing resumes
  // once the cause (a full disk) is gone.
  static constexpr int64_t kMaxBackoffMs = 5'000;

 private:
  void Run();
  CacheManager::FlushResult Round(bool drain);

  CacheManager& cache_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::mutex round_mu_;  // one flush round at a time (timer vs FlushNow)
  int64_t interval_ms_;
  uint64_t max_dirty_;
  bool running_ = false;
  int failures_ = 0;
  bool wake_ = false;
  FlushStats stats_;
  std::thread thread_;
};

}  // namespace cairn
