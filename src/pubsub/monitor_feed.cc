// MonitorFeed: a vector of monitors under a reader-writer lock (monitors are few and rarely
// change; every command reads the list).
#include "cairn/pubsub/monitor_feed.h"

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "cairn/pubsub/pubsub_hub.h"

namespace cairn {

bool MonitorFeed::Add(Subscriber* s) {
  std::unique_lock lock(mu_);
  if (std::find(monitors_.begin(), monitors_.end(), s) != monitors_.end()) return false;
  monitors_.push_back(s);
  count_.store(monitors_.size(), std::memory_order_relaxed);
  return true;
}

void MonitorFeed::Remove(Subscriber* s) {
  std::unique_lock lock(mu_);
  std::erase(monitors_, s);
  count_.store(monitors_.size(), std::memory_order_relaxed);
}

void MonitorFeed::Feed(int64_t unix_us, std::string_view client_addr,
                       std::span<const std::string_view> args) {
  thread_local std::string line;
  line.clear();
  AppendMonitorLine(line, unix_us, client_addr, args);
  std::vector<Subscriber*> refused;
  {
    std::shared_lock lock(mu_);
    for (Subscriber* s : monitors_) {
      if (!s->Deliver(MessageKind::kMonitor, {}, {}, line)) refused.push_back(s);
    }
  }
  for (Subscriber* s : refused) Remove(s);
}

void AppendMonitorLine(std::string& out, int64_t unix_us, std::string_view client_addr,
                       std::span<const std::string_view> args) {
  char stamp[48];
  const int n = std::snprintf(stamp, sizeof(stamp), "%lld.%06lld [0 ",
                              static_cast<long long>(unix_us / 1000000),
                              static_cast<long long>(unix_us % 1000000));
  out.append(stamp, static_cast<size_t>(n));
  out.append(client_addr).append("] ");
  for (size_t i = 0; i < args.size(); ++i) {
    if (i != 0) out.push_back(' ');
    AppendQuotedRepr(out, args[i]);
  }
}

void AppendQuotedRepr(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '\\':
      case '"':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\a':
        out.append("\\a");
        break;
      case '\b':
        out.append("\\b");
        break;
      default: {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
          out.push_back(c);
        } else {
          out.append("\\x");
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        }
      }
    }
  }
  out.push_back('"');
}

}  // namespace cairn
