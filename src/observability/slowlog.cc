#include "cairn/observability/slowlog.h"

#include <cstdio>

#include "cairn/protocol/reply_builder.h"

namespace cairn {

SlowLog::SlowLog(const Clock& clock, int64_t log_slower_than_us, size_t max_len)
    : clock_(clock), slower_than_us_(log_slower_than_us), max_len_(max_len) {}

void SlowLog::set_max_len(size_t n) {
  std::lock_guard lock(mu_);
  max_len_.store(n, std::memory_order_relaxed);
  while (entries_.size() > n) entries_.pop_back();
}

bool SlowLog::MaybeAdd(std::span<const std::string_view> args, int64_t duration_us,
                       std::string_view client_addr, std::string_view client_name) {
  if (!IsSlow(duration_us)) return false;
  // Build the entry outside the lock: the lock only links it in.
  SlowLogEntry e;
  e.time_s = clock_.NowMs() / 1000;
  e.duration_us = duration_us;
  e.client_addr.assign(client_addr);
  e.client_name.assign(client_name);
  const size_t argc = args.size();
  const size_t kept = argc > kMaxArgs ? kMaxArgs : argc;
  e.args.reserve(kept);
  char buf[64];
  for (size_t j = 0; j < kept; ++j) {
    if (kept != argc && j == kept - 1) {
      std::snprintf(buf, sizeof(buf), "... (%zu more arguments)", argc - kept + 1);
      e.args.emplace_back(buf);
    } else if (args[j].size() > kMaxArgBytes) {
      std::string s(args[j].substr(0, kMaxArgBytes));
      std::snprintf(buf, sizeof(buf), "... (%zu more bytes)", args[j].size() - kMaxArgBytes);
      s += buf;
      e.args.push_back(std::move(s));
    } else {
      e.args.emplace_back(args[j]);
    }
  }
  std::lock_guard lock(mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  const size_t max = max_len_.load(std::memory_order_relaxed);
  while (entries_.size() > max) entries_.pop_back();
  return true;
}

std::vector<SlowLogEntry> SlowLog::Get(int64_t count) const {
  std::lock_guard lock(mu_);
  size_t n = entries_.size();
  if (count >= 0 && static_cast<uint64_t>(count) < n) n = static_cast<size_t>(count);
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

size_t SlowLog::Len() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

void ReplySlowLogEntries(std::span<const SlowLogEntry> entries, ReplyBuilder& reply) {
  reply.ArrayHeader(entries.size());
  for (const SlowLogEntry& e : entries) {
    reply.ArrayHeader(6);
    reply.Integer(e.id);
    reply.Integer(e.time_s);
    reply.Integer(e.duration_us);
    reply.ArrayHeader(e.args.size());
    for (const std::string& a : e.args) reply.Bulk(a);
    reply.Bulk(e.client_addr);
    reply.Bulk(e.client_name);
  }
}

}  // namespace cairn
