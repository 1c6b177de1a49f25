// SLOWLOG (Redis 7.0 slowlog.c): the latest `max_len` commands that ran for at least
// `log_slower_than` microseconds, newest first. Arguments are trimmed like Redis: at most 32
// (the 32nd becomes "... (N more arguments)"), each at most 128 bytes (then "... (N more
// bytes)").
//
// Threads: MaybeAdd() is called after every command from any I/O thread. The threshold test is
// two relaxed loads; the mutex is taken only to add an entry, i.e. only for slow commands (and
// by the SLOWLOG command itself).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/common/clock.h"

namespace cairn {

class ReplyBuilder;

struct SlowLogEntry {
  int64_t id = 0;
  int64_t time_s = 0;  // Unix time the entry was added
  int64_t duration_us = 0;
  std::vector<std::string> args;  // trimmed
  std::string client_addr;        // "ip:port"
  std::string client_name;
};

class SlowLog {
 public:
  static constexpr size_t kMaxArgs = 32;       // SLOWLOG_ENTRY_MAX_ARGC
  static constexpr size_t kMaxArgBytes = 128;  // SLOWLOG_ENTRY_MAX_STRING

  // Redis defaults: slowlog-log-slower-than 10000, slowlog-max-len 128.
  explicit SlowLog(const Clock& clock, int64_t log_slower_than_us = 10000, size_t max_len = 128);

  // Negative disables the log; 0 logs every command.
  void set_log_slower_than(int64_t us) { slower_than_us_.store(us, std::memory_order_relaxed); }
  int64_t log_slower_than() const { return slower_than_us_.load(std::memory_order_relaxed); }
  void set_max_len(size_t n);  // trims at once
  size_t max_len() const { return max_len_.load(std::memory_order_relaxed); }

  // slowlogPushEntryIfNeeded. Returns true when an entry was added.
  bool MaybeAdd(std::span<const std::string_view> args, int64_t duration_us,
                std::string_view client_addr, std::string_view client_name);
  bool IsSlow(int64_t duration_us) const {
    const int64_t t = slower_than_us_.load(std::memory_order_relaxed);
    return t >= 0 && duration_us >= t;
  }

  // SLOWLOG GET [count]: newest first; count < 0 means all.
  std::vector<SlowLogEntry> Get(int64_t count = 10) const;
  size_t Len() const;
  void Reset();

 private:
  const Clock& clock_;
  std::atomic<int64_t> slower_than_us_;
  std::atomic<size_t> max_len_;
  mutable std::mutex mu_;
  std::deque<SlowLogEntry> entries_;  // front = newest
  int64_t next_id_ = 0;
};

// The SLOWLOG GET reply: an array of [id, time, duration, [args...], addr, name].
void ReplySlowLogEntries(std::span<const SlowLogEntry> entries, ReplyBuilder& reply);

// Redis 7.0's error texts for the SLOWLOG command.
inline constexpr std::string_view kSlowLogCountError =
    "ERR count should be greater than or equal to -1";

}  // namespace cairn
