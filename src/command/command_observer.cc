#include "command_observer.h"

#include <chrono>
#include <memory>

#include "cairn/command/observability.h"
#include "cairn/common/strings.h"
#include "cairn/observability/slowlog.h"
#include "cairn/pubsub/monitor_feed.h"

namespace cairn {
namespace {

// AUTH and HELLO carry passwords, and MIGRATE with its AUTH / AUTH2 option: never copied into
// SLOWLOG or MONITOR output.
bool CarriesSecrets(const CommandSpec& spec, Args args) {
  if (spec.full_name == "migrate") {
    for (size_t i = 6; i < args.size(); ++i) {
      if (EqualsIgnoreCase(args[i], "auth") || EqualsIgnoreCase(args[i], "auth2")) return true;
    }
    return false;
  }
  return spec.full_name == "auth" || spec.full_name == "hello";
}

int64_t UnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

LatencyHistogram& LatencyOf(const CommandSpec& spec) {
  std::atomic<LatencyHistogram*>& slot = spec.stats.latency;
  LatencyHistogram* h = slot.load(std::memory_order_acquire);
  if (h != nullptr) return *h;
  auto fresh = std::make_unique<LatencyHistogram>();
  if (slot.compare_exchange_strong(h, fresh.get(), std::memory_order_acq_rel)) {
    return *fresh.release();
  }
  return *h;  // another thread won: `h` holds its histogram
}

namespace {

void AppendLatency(std::string& out, const CommandSpec& spec) {
  if (const LatencyHistogram* h = spec.stats.latency.load(std::memory_order_acquire)) {
    const LatencyHistogram::Snapshot snap = h->Take();
    if (snap.total != 0) out.append(FormatLatencyPercentiles(spec.full_name, snap)).append("\r\n");
  }
  for (const CommandSpec& sub : spec.subcommands) AppendLatency(out, sub);
}

}  // namespace

void AppendLatencyStats(std::string& out, const CommandTable& table) {
  for (const CommandSpec& spec : table.all()) AppendLatency(out, spec);
}

void ResetLatencyStats(const CommandSpec& spec) {
  if (LatencyHistogram* h = spec.stats.latency.load(std::memory_order_acquire)) h->Reset();
}

void ObserveCommand(CommandContext& ctx, const CommandSpec& spec, Args args, uint64_t duration_ns) {
  Observability* obs = ctx.server.observability();
  if (obs == nullptr) return;
  if (obs->latency_tracking.load(std::memory_order_relaxed)) LatencyOf(spec).Record(duration_ns);
  const auto duration_us = static_cast<int64_t>(duration_ns / 1000);
  if (obs->slowlog != nullptr && obs->slowlog->IsSlow(duration_us) && !CarriesSecrets(spec, args)) {
    obs->slowlog->MaybeAdd(args, duration_us, ctx.client.addr, ctx.client.name);
  }
  if (obs->monitors != nullptr && obs->monitors->active() &&
      (spec.flags & (kCmdAdmin | kCmdSkipMonitor)) == 0 && !CarriesSecrets(spec, args)) {
    obs->monitors->Feed(UnixMicros(), ctx.from_script ? "lua" : ctx.client.addr, args);
  }
}

void FeedMonitors(CommandContext& ctx, std::string_view addr, Args args) {
  Observability* obs = ctx.server.observability();
  if (obs == nullptr || obs->monitors == nullptr || !obs->monitors->active()) return;
  obs->monitors->Feed(UnixMicros(), addr, args);
}

}  // namespace cairn
