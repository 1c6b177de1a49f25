// ExpiryService: the maintenance thread that runs active expiry `hz` times per second, each
// cycle bounded to 25% of its period (Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC), so keys that
// are never read again are still reclaimed without stalling requests: a cycle holds one shard
// lock at a time for one batch of 64 checks.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace cairn {

class CacheManager;

class ExpiryService {
 public:
  ExpiryService(CacheManager& cache, int hz);
  ~ExpiryService();
  void Start();
  void Stop();
  void set_hz(int hz);
  uint64_t cycles() const;

 private:
  void Run();

  CacheManager& cache_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int hz_;
  bool running_ = false;
  uint64_t cycles_ = 0;
  std::thread thread_;
};

}  // namespace cairn
