// A fixed-memory latency histogram in the layout of HdrHistogram (Gil Tene), as Redis 7.0 uses
// for INFO latencystats: values in nanoseconds, 2 significant digits (256 sub-buckets per power
// of two, so any value is reported within 1/128 of itself), from 1 ns to 2^36 ns (~68.7 s);
// larger values are clamped to the top bucket.
//
// Record() is O(1): a count-leading-zeros, two shifts and two relaxed atomic adds; no lock, no
// allocation, safe from any number of threads. Queries read the buckets with relaxed loads, so
// a query racing with Record() sees a consistent-enough, never torn, snapshot. Memory: 3840
// counters (30 KiB) per histogram — create them per command lazily, on the first call.
//
// ValueAtPercentile() is hdr_value_at_percentile(): the highest value equivalent to the bucket
// that holds the requested rank, exactly the numbers Redis prints.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 8;  // 256 sub-buckets: 2 significant digits
  static constexpr int kSubBucketCount = 1 << kSubBucketBits;
  static constexpr int kSubBucketHalfCount = kSubBucketCount / 2;
  static constexpr int kMaxValueBits = 36;
  static constexpr uint64_t kMaxValue = (uint64_t{1} << kMaxValueBits) - 1;
  static constexpr int kBucketCount = kMaxValueBits - kSubBucketBits + 1;
  static constexpr int kCountsLen = (kBucketCount + 1) * kSubBucketHalfCount;

  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  void Record(uint64_t value_ns) {
    if (value_ns > kMaxValue) value_ns = kMaxValue;
    counts_[IndexOf(value_ns)].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(value_ns, std::memory_order_relaxed);
  }

  // A copy of the counters, for several queries on one consistent view.
  struct Snapshot {
    std::vector<uint64_t> counts;  // kCountsLen entries
    uint64_t total = 0;
    uint64_t sum_ns = 0;
    // percentile in [0, 100]; 0 when empty.
    uint64_t ValueAtPercentile(double percentile) const;
    // Values recorded that are <= value_ns, counting a bucket only when all of it is <= value_ns
    // (so at most one bucket's worth, < 1%, too low): Prometheus `le` buckets.
    uint64_t CountAtOrBelow(uint64_t value_ns) const;
  };
  Snapshot Take() const;

  uint64_t Count() const;  // sums the buckets: for tests and rare queries
  uint64_t ValueAtPercentile(double percentile) const {
    return Take().ValueAtPercentile(percentile);
  }
  void Reset();  // CONFIG RESETSTAT; concurrent Record()s may survive it

  // Bucket geometry (HdrHistogram's formulas, unit magnitude 0).
  static int IndexOf(uint64_t value);
  static uint64_t ValueAtIndex(int index);
  static uint64_t LowestEquivalent(uint64_t value);
  static uint64_t HighestEquivalent(uint64_t value);

 private:
  std::array<std::atomic<uint64_t>, kCountsLen> counts_{};
  std::atomic<uint64_t> sum_ns_{0};
};

// Redis's latency-tracking-info-percentiles default.
inline constexpr double kDefaultLatencyPercentiles[] = {50.0, 99.0, 99.9};

// One INFO latencystats line without the CRLF:
// "latency_percentiles_usec_<name>:p50=1.003,p99=2.007,p99.9=10.015" (values in usec, %.3f,
// percentile labels printed like Redis's trimmed %f).
std::string FormatLatencyPercentiles(
    std::string_view name, const LatencyHistogram::Snapshot& s,
    std::span<const double> percentiles = kDefaultLatencyPercentiles);

}  // namespace cairn
