// MONITOR: the connections in MONITOR mode receive every command the server executes (Redis
// 7.0's replicationFeedMonitors: after the command ran; admin commands and commands refused by a
// dispatcher gate are not shown), one status line each:
//   +1700000000.123456 [0 127.0.0.1:50000] "SET" "k" "v"\r\n
// Arguments are quoted like sdscatrepr (\" \\ \n \r \t \a \b, other non-printable bytes \xHH).
//
// A monitor is a Subscriber (the session's): the line goes to Deliver as MessageKind::kMonitor
// (the text without '+' and CRLF; the session's ReplyBuilder frames it as a simple string), so it
// shares the session's output buffer, wake-up and client-output-buffer-limit with pub/sub. A
// monitor whose Deliver returns false is dropped (the session closes the connection).
//
// Cost: Feed() is called for every command; while nobody monitors it is one relaxed load (the
// caller checks active() first). With monitors the line is built once per command into a
// thread-local buffer and delivered under a shared lock.
//
// Threads: every method from any thread. Remove() takes the lock exclusively, so when it
// returns no Deliver to that monitor is running. Lock order: feed lock -> the monitor's own
// output lock (inside Deliver); Deliver must not call back into the feed.
#pragma once

#include <atomic>
#include <cstdint>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

class Subscriber;

class MonitorFeed {
 public:
  MonitorFeed() = default;
  MonitorFeed(const MonitorFeed&) = delete;
  MonitorFeed& operator=(const MonitorFeed&) = delete;

  // Adds `s` (a second Add of the same monitor changes nothing). Returns false if it was there.
  bool Add(Subscriber* s);
  void Remove(Subscriber* s);
  bool active() const { return count_.load(std::memory_order_relaxed) != 0; }
  size_t size() const { return count_.load(std::memory_order_relaxed); }

  // Sends the line for `args`, run by the client at `client_addr` at Unix time `unix_us`.
  void Feed(int64_t unix_us, std::string_view client_addr, std::span<const std::string_view> args);

 private:
  mutable std::shared_mutex mu_;
  std::vector<Subscriber*> monitors_;  // guarded by mu_
  std::atomic<size_t> count_{0};
};

// The text of the line Feed() sends (without the leading '+' and the CRLF).
void AppendMonitorLine(std::string& out, int64_t unix_us, std::string_view client_addr,
                       std::span<const std::string_view> args);
// sdscatrepr: `s` in double quotes with C escapes.
void AppendQuotedRepr(std::string& out, std::string_view s);

}  // namespace cairn
