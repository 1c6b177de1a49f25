// SystemClock and TimePin: a pin fixes NowMs on its own thread only, nests, and leaves ReadNs
// (the real clock) alone.
#include "cairn/common/clock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

namespace cairn {
namespace {

TEST(TimePinTest, PinsNowOnThisThreadAndNests) {
  const SystemClock& clock = SystemClock::Instance();
  const int64_t real = clock.NowMs();
  ASSERT_GT(real, int64_t{1'600'000'000'000}) << "a wall clock in Unix ms";
  {
    const TimePin outer(1'000);
    EXPECT_EQ(clock.NowMs(), 1'000);
    {
      const TimePin inner(2'000);
      EXPECT_EQ(clock.NowMs(), 2'000);
    }
    EXPECT_EQ(clock.NowMs(), 1'000) << "the inner pin restores the outer one";
    EXPECT_GE(SystemClock::ReadNs() / 1'000'000, real) << "ReadNs is never pinned";
    int64_t other = 0;
    std::thread t([&] { other = clock.NowMs(); });
    t.join();
    EXPECT_GE(other, real) << "another thread reads the real clock";
  }
  EXPECT_GE(clock.NowMs(), real) << "unpinned again";
}

}  // namespace
}  // namespace cairn
