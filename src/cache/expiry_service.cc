#include "cairn/cache/expiry_service.h"

#include <algorithm>
#include <chrono>

#include "cairn/cache/cache_manager.h"

namespace cairn {

ExpiryService::ExpiryService(CacheManager& cache, int hz)
    : cache_(cache), hz_(std::clamp(hz, 1, 500)) {}

ExpiryService::~ExpiryService() { Stop(); }

void ExpiryService::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void ExpiryService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  thread_.join();
}

void ExpiryService::set_hz(int hz) {
  std::lock_guard lock(mu_);
  hz_ = std::clamp(hz, 1, 500);
}

uint64_t ExpiryService::cycles() const {
  std::lock_guard lock(mu_);
  return cycles_;
}

void ExpiryService::Run() {
  std::unique_lock lock(mu_);
  while (running_) {
    const int64_t period_us = 1'000'000 / hz_;
    lock.unlock();
    cache_.ActiveExpireCycle(period_us / 4);
    lock.lock();
    ++cycles_;
    cv_.wait_for(lock, std::chrono::microseconds(period_us), [this] { return !running_; });
  }
}

}  // namespace cairn
