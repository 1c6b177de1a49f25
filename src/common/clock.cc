#include "cairn/common/clock.h"

#include <time.h>

namespace cairn {

namespace {
thread_local int64_t t_pinned_ms = 0;  // 0: not pinned
}  // namespace

int64_t SystemClock::NowMs() const {
  if (t_pinned_ms != 0) return t_pinned_ms;
  return ReadNs() / 1'000'000;
}

int64_t SystemClock::ReadNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

TimePin::TimePin(int64_t ms) : outer_(t_pinned_ms) { t_pinned_ms = ms; }

TimePin::~TimePin() { t_pinned_ms = outer_; }

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace cairn
