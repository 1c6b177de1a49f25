// LatencyHistogram: HdrHistogram's bucket layout, fixed to unit magnitude 0 (1 ns resolution at
// the bottom), 2 significant digits and a 2^36 ns ceiling.
//
//   bucket b covers [2^(b+7), 2^(b+8)) for b >= 1 (bucket 0 covers [0, 256)), split into 128
//   sub-buckets of width 2^b (the lower half of each bucket's 256 sub-buckets overlaps the
//   previous bucket and is not stored), so the relative width of any sub-bucket is <= 1/128.
//
// Deviation from HdrHistogram: counts are atomics updated with relaxed ordering instead of a
// per-thread recorder with phasers; totals are recomputed from the buckets at query time so a
// snapshot is always self-consistent.
#include "cairn/observability/latency_histogram.h"

#include <bit>
#include <cstdio>
#include <cstring>

namespace cairn {
namespace {

constexpr uint64_t kSubBucketMask = LatencyHistogram::kSubBucketCount - 1;

int BucketIndex(uint64_t value) {
  const int pow2ceiling = 64 - std::countl_zero(value | kSubBucketMask);
  return pow2ceiling - (LatencyHistogram::kSubBucketBits);
}

}  // namespace

int LatencyHistogram::IndexOf(uint64_t value) {
  const int bucket = BucketIndex(value);
  const int sub = static_cast<int>(value >> bucket);
  // (bucket + 1) << log2(half) + (sub - half)
  return ((bucket + 1) << (kSubBucketBits - 1)) + (sub - kSubBucketHalfCount);
}

uint64_t LatencyHistogram::ValueAtIndex(int index) {
  int bucket = (index >> (kSubBucketBits - 1)) - 1;
  int sub = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub -= kSubBucketHalfCount;
    bucket = 0;
  }
  return static_cast<uint64_t>(sub) << bucket;
}

uint64_t LatencyHistogram::LowestEquivalent(uint64_t value) {
  const int bucket = BucketIndex(value);
  return (value >> bucket) << bucket;
}

uint64_t LatencyHistogram::HighestEquivalent(uint64_t value) {
  const int bucket = BucketIndex(value);
  const uint64_t sub = value >> bucket;
  const int adjusted = sub >= static_cast<uint64_t>(kSubBucketCount) ? bucket + 1 : bucket;
  return LowestEquivalent(value) + (uint64_t{1} << adjusted) - 1;
}

LatencyHistogram::Snapshot LatencyHistogram::Take() const {
  Snapshot s;
  s.counts.resize(kCountsLen);
  for (int i = 0; i < kCountsLen; ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.total += s.counts[i];
  }
  s.sum_ns = sum_ns_.load(std::memory_order_relaxed);
  return s;
}

uint64_t LatencyHistogram::Count() const {
  uint64_t n = 0;
  for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
  return n;
}

void LatencyHistogram::Reset() {
  for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
  sum_ns_.store(0, std::memory_order_relaxed);
}

uint64_t LatencyHistogram::Snapshot::ValueAtPercentile(double percentile) const {
  if (total == 0) return 0;
  const double p = percentile < 100.0 ? percentile : 100.0;
  int64_t rank = static_cast<int64_t>((p / 100.0) * static_cast<double>(total) + 0.5);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < kCountsLen; ++i) {
    seen += counts[i];
    if (seen >= static_cast<uint64_t>(rank)) {
      const uint64_t v = ValueAtIndex(i);
      return percentile == 0.0 ? LowestEquivalent(v) : HighestEquivalent(v);
    }
  }
  return 0;
}

uint64_t LatencyHistogram::Snapshot::CountAtOrBelow(uint64_t value_ns) const {
  uint64_t n = 0;
  for (int i = 0; i < kCountsLen; ++i) {
    if (HighestEquivalent(ValueAtIndex(i)) > value_ns) break;  // indexes grow with values
    n += counts[i];
  }
  return n;
}

std::string FormatLatencyPercentiles(std::string_view name, const LatencyHistogram::Snapshot& s,
                                     std::span<const double> percentiles) {
  std::string out = "latency_percentiles_usec_";
  out.append(name);
  out += ':';
  char buf[128];
  for (size_t j = 0; j < percentiles.size(); ++j) {
    // Redis: sprintf("%f") then trimDoubleString (drop trailing zeros and a trailing '.').
    int len = std::snprintf(buf, sizeof(buf), "%f", percentiles[j]);
    if (std::memchr(buf, '.', len) != nullptr) {
      while (len > 0 && buf[len - 1] == '0') --len;
      if (len > 0 && buf[len - 1] == '.') --len;
    }
    out += 'p';
    out.append(buf, len);
    std::snprintf(buf, sizeof(buf), "=%.3f",
                  static_cast<double>(s.ValueAtPercentile(percentiles[j])) / 1000.0);
    out += buf;
    if (j + 1 != percentiles.size()) out += ',';
  }
  return out;
}

}  // namespace cairn
