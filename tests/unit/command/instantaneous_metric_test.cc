// InstantaneousMetric: Redis's instantaneous_* figures (mean of the last 16 per-second samples).
#include "cairn/command/instantaneous_metric.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(InstantaneousMetricTest, FirstSampleIsTheBaseline) {
  InstantaneousMetric m;
  EXPECT_FALSE(m.Sample(1000, 5000));
  EXPECT_EQ(m.PerSecond(), 0u);
}

TEST(InstantaneousMetricTest, MeanOfTheLastSixteenRates) {
  InstantaneousMetric m;
  m.Sample(0, 0);
  // 100 ms later, 160 more: 1600/s in one of 16 slots -> mean 100/s.
  EXPECT_TRUE(m.Sample(100, 160));
  EXPECT_EQ(m.PerSecond(), 100u);
  // Steady 1600/s fills the window.
  uint64_t total = 160;
  int64_t now = 100;
  for (int i = 0; i < 15; ++i) {
    now += 100;
    total += 160;
    m.Sample(now, total);
  }
  EXPECT_EQ(m.PerSecond(), 1600u);
  // Idle for 16 periods: the window drains to 0.
  for (int i = 0; i < 16; ++i) {
    now += 100;
    m.Sample(now, total);
  }
  EXPECT_EQ(m.PerSecond(), 0u);
}

TEST(InstantaneousMetricTest, RateUsesTheRealElapsedTime) {
  InstantaneousMetric m;
  m.Sample(0, 0);
  EXPECT_TRUE(m.Sample(250, 4000));  // 16000/s over 250 ms
  EXPECT_EQ(m.PerSecond(), 1000u);   // one of 16 slots
}

TEST(InstantaneousMetricTest, SamplesAtMostEveryPeriod) {
  InstantaneousMetric m;
  m.Sample(0, 0);
  EXPECT_FALSE(m.Sample(50, 800));  // too soon: no sample, baseline kept
  EXPECT_TRUE(m.Sample(100, 1600));
  EXPECT_EQ(m.PerSecond(), 1000u);  // 16000/s / 16, from the 0 ms baseline
}

TEST(InstantaneousMetricTest, ATotalThatWentDownCountsAsIdle) {
  InstantaneousMetric m;
  m.Sample(0, 1000);
  EXPECT_TRUE(m.Sample(100, 10));  // CONFIG RESETSTAT zeroed the total
  EXPECT_EQ(m.PerSecond(), 0u);
  EXPECT_TRUE(m.Sample(200, 170));  // counting from the new baseline: 1600/s
  EXPECT_EQ(m.PerSecond(), 100u);
}

}  // namespace
}  // namespace cairn
