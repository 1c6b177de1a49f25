#include "cairn/pubsub/output_limit.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(OutputLimitTest, HardLimitTripsAtOnce) {
  OutputLimitTracker t;
  OutputBufferLimit limit{/*hard=*/1000, /*soft=*/0, /*soft_seconds=*/0};
  EXPECT_FALSE(t.Exceeded(limit, 999, 0));
  EXPECT_TRUE(t.Exceeded(limit, 1000, 0));
}

TEST(OutputLimitTest, SoftLimitMustHoldForLongerThanSoftSeconds) {
  OutputLimitTracker t;
  OutputBufferLimit limit{/*hard=*/0, /*soft=*/100, /*soft_seconds=*/60};
  EXPECT_FALSE(t.Exceeded(limit, 100, 1'000));    // timer starts
  EXPECT_FALSE(t.Exceeded(limit, 500, 61'000));   // exactly 60 s: not yet
  EXPECT_TRUE(t.Exceeded(limit, 500, 61'001));    // more than 60 s
  EXPECT_FALSE(t.Exceeded(limit, 99, 61'002));    // dropped below: timer resets
  EXPECT_FALSE(t.Exceeded(limit, 100, 100'000));  // starts again
  EXPECT_FALSE(t.Exceeded(limit, 100, 160'000));
  EXPECT_TRUE(t.Exceeded(limit, 100, 160'001));
}

TEST(OutputLimitTest, ZeroLimitsAreDisabled) {
  OutputLimitTracker t;
  OutputBufferLimit off{0, 0, 0};
  EXPECT_FALSE(t.Exceeded(off, UINT64_MAX, 0));
  EXPECT_FALSE(t.Exceeded(off, UINT64_MAX, 1'000'000'000));
}

TEST(OutputLimitTest, RedisPubsubDefaults) {
  OutputBufferLimit d;
  EXPECT_EQ(d.hard_bytes, 32u * 1024 * 1024);
  EXPECT_EQ(d.soft_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(d.soft_seconds, 60);
}

}  // namespace
}  // namespace cairn
