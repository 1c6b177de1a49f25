#include "cairn/observability/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

namespace cairn {
namespace {

using H = LatencyHistogram;

// The exact percentile of a sorted sample, by HdrHistogram's rank rule.
uint64_t ExactPercentile(const std::vector<uint64_t>& sorted, double p) {
  auto rank = static_cast<int64_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.5);
  rank = std::max<int64_t>(rank, 1);
  return sorted[static_cast<size_t>(rank - 1)];
}

TEST(LatencyHistogramTest, BucketsCoverEveryValueWithTwoSignificantDigits) {
  int last_index = -1;
  for (uint64_t v = 0; v < 200'000; ++v) {
    const int idx = H::IndexOf(v);
    ASSERT_GE(idx, last_index) << v;  // indexes grow with values
    ASSERT_LT(idx, H::kCountsLen);
    last_index = idx;
    ASSERT_EQ(H::ValueAtIndex(idx), H::LowestEquivalent(v)) << v;
    ASSERT_LE(H::LowestEquivalent(v), v);
    ASSERT_GE(H::HighestEquivalent(v), v);
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t v = rng() & H::kMaxValue;
    const uint64_t lo = H::LowestEquivalent(v), hi = H::HighestEquivalent(v);
    ASSERT_TRUE(lo <= v && v <= hi);
    if (v >= 256) {
      ASSERT_LE(static_cast<double>(hi - lo + 1) / static_cast<double>(lo), 1.0 / 128);
    }
  }
  EXPECT_EQ(H::IndexOf(H::kMaxValue), H::kCountsLen - 1);
  EXPECT_EQ(H::IndexOf(255), 255);  // below 256 every nanosecond has its own bucket
  EXPECT_EQ(H::HighestEquivalent(255), 255u);
}

TEST(LatencyHistogramTest, MatchesRedisOutputForItsSample) {
  // redis-server 7.0 after SETs taking 8 us and 34 us (it records usec * 1000):
  // latency_percentiles_usec_set:p50=8.031,p99=34.047,p99.9=34.047
  H h;
  for (int i = 0; i < 19; ++i) h.Record(8000);
  h.Record(34000);
  EXPECT_EQ(FormatLatencyPercentiles("set", h.Take()),
            "latency_percentiles_usec_set:p50=8.031,p99=34.047,p99.9=34.047");
}

TEST(LatencyHistogramTest, PercentilesOfAUniformDistribution) {
  H h;
  for (uint64_t v = 1; v <= 100'000; ++v) h.Record(v);
  const H::Snapshot s = h.Take();
  EXPECT_EQ(s.total, 100'000u);
  EXPECT_EQ(s.sum_ns, 100'000ull * 100'001 / 2);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const double expected = p / 100.0 * 100'000;
    const auto got = static_cast<double>(s.ValueAtPercentile(p));
    EXPECT_GE(got, expected) << p;
    EXPECT_LE(got, expected * (1 + 1.0 / 128)) << p;
  }
  EXPECT_EQ(s.ValueAtPercentile(100), H::HighestEquivalent(100'000));
  EXPECT_EQ(s.ValueAtPercentile(0), 1u);
}

TEST(LatencyHistogramTest, PercentilesOfALogNormalSampleAreWithinOnePercent) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(20'000.0), 1.0);  // median 20 us
  std::vector<uint64_t> sample;
  H h;
  for (int i = 0; i < 200'000; ++i) {
    const auto v = static_cast<uint64_t>(dist(rng));
    sample.push_back(v);
    h.Record(v);
  }
  std::sort(sample.begin(), sample.end());
  const H::Snapshot s = h.Take();
  for (double p : {1.0, 25.0, 50.0, 75.0, 99.0, 99.9, 99.99}) {
    const uint64_t exact = ExactPercentile(sample, p);
    const uint64_t got = s.ValueAtPercentile(p);
    EXPECT_EQ(got, H::HighestEquivalent(exact)) << p;  // the same bucket as the exact answer
    EXPECT_LE(std::abs(static_cast<double>(got) - static_cast<double>(exact)),
              static_cast<double>(exact) / 128 + 1)
        << p;
  }
}

TEST(LatencyHistogramTest, BimodalTail) {
  H h;
  for (int i = 0; i < 990; ++i) h.Record(1'000);
  for (int i = 0; i < 10; ++i) h.Record(1'000'000);
  EXPECT_EQ(h.ValueAtPercentile(50), H::HighestEquivalent(1'000));
  EXPECT_EQ(h.ValueAtPercentile(99), H::HighestEquivalent(1'000));
  EXPECT_EQ(h.ValueAtPercentile(99.9), H::HighestEquivalent(1'000'000));
  EXPECT_GE(h.ValueAtPercentile(99.9), 1'000'000u);
  EXPECT_LE(h.ValueAtPercentile(99.9), 1'000'000u + 1'000'000u / 128);
}

TEST(LatencyHistogramTest, HugeValuesAreClampedNotLost) {
  H h;
  h.Record(UINT64_MAX);
  h.Record(H::kMaxValue + 12345);
  EXPECT_EQ(h.Count(), 2u);
  EXPECT_EQ(h.ValueAtPercentile(50), H::HighestEquivalent(H::kMaxValue));
}

TEST(LatencyHistogramTest, CountAtOrBelowForPrometheusBuckets) {
  H h;
  for (int i = 0; i < 10; ++i) h.Record(5'000);      // 5 us
  for (int i = 0; i < 20; ++i) h.Record(200'000);    // 200 us
  for (int i = 0; i < 30; ++i) h.Record(3'000'000);  // 3 ms
  const H::Snapshot s = h.Take();
  EXPECT_EQ(s.CountAtOrBelow(1'000), 0u);
  EXPECT_EQ(s.CountAtOrBelow(10'000), 10u);
  EXPECT_EQ(s.CountAtOrBelow(250'000), 30u);
  EXPECT_EQ(s.CountAtOrBelow(1'000'000), 30u);
  EXPECT_EQ(s.CountAtOrBelow(5'000'000), 60u);
}

TEST(LatencyHistogramTest, EmptyAndReset) {
  H h;
  EXPECT_EQ(h.ValueAtPercentile(50), 0u);
  EXPECT_EQ(FormatLatencyPercentiles("get", h.Take()),
            "latency_percentiles_usec_get:p50=0.000,p99=0.000,p99.9=0.000");
  h.Record(1'500);
  EXPECT_EQ(h.Count(), 1u);
  h.Reset();
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Take().sum_ns, 0u);
}

TEST(LatencyHistogramTest, PercentileLabelsAreTrimmedLikeRedis) {
  H h;
  h.Record(2'000);
  const double ps[] = {50, 99.99, 100, 12.5};
  EXPECT_EQ(FormatLatencyPercentiles("ping", h.Take(), ps),
            "latency_percentiles_usec_ping:p50=2.007,p99.99=2.007,p100=2.007,p12.5=2.007");
}

TEST(LatencyHistogramTest, ConcurrentRecordersLoseNothing) {
  H h;
  constexpr int kThreads = 4, kPer = 100'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) h.Record(static_cast<uint64_t>(t + 1) * 1000);
    });
  }
  for (auto& th : threads) th.join();
  const H::Snapshot s = h.Take();
  EXPECT_EQ(s.total, uint64_t{kThreads} * kPer);
  EXPECT_EQ(s.sum_ns, uint64_t{kPer} * (1000 + 2000 + 3000 + 4000));
  EXPECT_EQ(s.ValueAtPercentile(25), H::HighestEquivalent(1000));
  EXPECT_EQ(s.ValueAtPercentile(100), H::HighestEquivalent(4000));
}

}  // namespace
}  // namespace cairn
