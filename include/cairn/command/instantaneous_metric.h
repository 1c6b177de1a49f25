// INFO's instantaneous_* figures, as Redis computes them (server.c trackInstantaneousMetric): a
// periodic task samples a running total (commands, bytes in, bytes out) at most every kPeriodMs;
// each sample is the per-second rate since the previous one, and the figure is the mean of the
// last kSamples samples (about 1.6 s of history).
//
// Thread safety: Sample() is called by one thread (the server cron); PerSecond() from any.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cairn {

class InstantaneousMetric {
 public:
  static constexpr size_t kSamples = 16;
  static constexpr int64_t kPeriodMs = 100;

  // Records the rate since the last sample if at least kPeriodMs passed (`now_ms` from a
  // monotonic clock); returns whether it did. The first call only sets the baseline; a total
  // that went down (CONFIG RESETSTAT) counts as no progress.
  bool Sample(int64_t now_ms, uint64_t total) {
    if (last_ms_ < 0) {
      last_ms_ = now_ms;
      last_total_ = total;
      return false;
    }
    const int64_t elapsed = now_ms - last_ms_;
    if (elapsed < kPeriodMs) return false;
    const uint64_t done = total >= last_total_ ? total - last_total_ : 0;
    const uint64_t rate = done * 1000 / static_cast<uint64_t>(elapsed);
    sum_ = sum_ - samples_[next_] + rate;
    samples_[next_] = rate;
    next_ = (next_ + 1) % kSamples;
    last_ms_ = now_ms;
    last_total_ = total;
    per_second_.store(sum_ / kSamples, std::memory_order_relaxed);
    return true;
  }

  // The mean of the last kSamples per-second rates (samples not yet taken count as 0).
  uint64_t PerSecond() const { return per_second_.load(std::memory_order_relaxed); }

 private:
  int64_t last_ms_ = -1;
  uint64_t last_total_ = 0;
  std::array<uint64_t, kSamples> samples_{};
  size_t next_ = 0;
  uint64_t sum_ = 0;
  std::atomic<uint64_t> per_second_{0};
};

}  // namespace cairn
