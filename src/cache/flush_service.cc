#include "cairn/cache/flush_service.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "cairn/cache/cache_manager.h"
#include "cairn/events/event_bus.h"

namespace cairn {

FlushService::FlushService(CacheManager& cache, int64_t interval_ms, uint64_t max_dirty)
    : cache_(cache), interval_ms_(std::max<int64_t>(1, interval_ms)), max_dirty_(max_dirty) {}

FlushService::~FlushService() { Stop(); }

void FlushService::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void FlushService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  thread_.join();
}

void FlushService::Configure(int64_t interval_ms, uint64_t max_dirty) {
  {
    std::lock_guard lock(mu_);
    interval_ms_ = std::max<int64_t>(1, interval_ms);
    max_dirty_ = max_dirty;
  }
  cv_.notify_all();
}

void FlushService::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

FlushStats FlushService::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

CacheManager::FlushResult FlushService::FlushNow() { return Round(/*drain=*/true); }

CacheManager::FlushResult FlushService::Round(bool drain) {
  std::lock_guard round(round_mu_);
  const auto start = std::chrono::steady_clock::now();
  CacheManager::FlushResult r = cache_.FlushDirty(SIZE_MAX, drain);
  const size_t written = r.written;
  const std::string& err = r.status.message();
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  EventBus* bus = cache_.bus();
  {
    std::lock_guard lock(mu_);
    stats_.flushed_keys += written;
    stats_.last_flush_duration_ms = ms;
    if (r.status.ok()) {
      if (written > 0) ++stats_.flushes;
      stats_.last_flush_status = "ok";
      failures_ = 0;
    } else {
      ++stats_.flush_errors;
      stats_.last_flush_status = "err: " + err;
      ++failures_;
    }
  }
  if (bus != nullptr) {
    const int64_t now = cache_.clock().NowMs();
    if (!r.status.ok() && bus->Wants(EventType::kFlushError)) {
      bus->Publish(Event{EventType::kFlushError, EvictionCause::kNone, now, {}, err});
    } else if (r.status.ok() && written > 0 && bus->Wants(EventType::kFlush)) {
      bus->Publish(Event{EventType::kFlush,
                         EvictionCause::kNone,
                         now,
                         {},
                         std::to_string(written) + " keys in " + std::to_string(ms) + " ms"});
    }
  }
  return r;
}

void FlushService::Run() {
  std::unique_lock lock(mu_);
  auto next = std::chrono::steady_clock::now();
  while (running_) {
    // Wake every 10 ms to check for an early flush; otherwise flush at the interval (or the
    // backoff after failures).
    int64_t wait_ms = interval_ms_;
    if (failures_ > 0) {
      wait_ms = std::min<int64_t>(kMaxBackoffMs, interval_ms_ << std::min(failures_, 15));
    }
    stats_.next_retry_in_ms = failures_ > 0 ? wait_ms : 0;
    next = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    while (running_ && std::chrono::steady_clock::now() < next) {
      cv_.wait_for(lock, std::chrono::milliseconds(10));
      if (std::exchange(wake_, false) && failures_ > 0) break;
      if (failures_ == 0 && max_dirty_ > 0 && cache_.dirty_keys() >= max_dirty_) {
        break;
      }
    }
    if (!running_) break;
    lock.unlock();
    Round(/*drain=*/false);  // what is queued now; later writes coalesce until next
    lock.lock();
  }
}

}  // namespace cairn
