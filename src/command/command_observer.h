// What the dispatcher does after a command ran, for observability: the command's latency
// histogram (latency-tracking, INFO latencystats), SLOWLOG and MONITOR. Kept out of the
// dispatcher so that its gates stay a short list.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/command/command_table.h"
#include "cairn/command/context.h"

namespace cairn {

// `duration_ns`: how long the command ran (DEBUG SLEEP's pause included).
// Cost without observers, slow commands or monitors: a virtual call and three relaxed loads, plus
// the histogram's two relaxed adds when latency tracking is on.
void ObserveCommand(CommandContext& ctx, const CommandSpec& spec, Args args, uint64_t duration_ns);

// Feeds MONITOR clients `args` as run by `addr` ("127.0.0.1:5000", or "lua"), if any monitor
// is attached. The EVAL family (skip_monitor) feeds its own line before the script runs, so that
// it precedes the script's commands, as in Redis 7.0.
void FeedMonitors(CommandContext& ctx, std::string_view addr, Args args);

// The command's latency histogram, created on first use (thread-safe: concurrent first calls
// agree on one histogram).
LatencyHistogram& LatencyOf(const CommandSpec& spec);

// INFO latencystats: one "latency_percentiles_usec_<name>:p50=..,p99=..,p99.9=..\r\n" line per
// command (and subcommand) with recorded latencies, in table order.
void AppendLatencyStats(std::string& out, const CommandTable& table);
// CONFIG RESETSTAT: clears the latency histogram of `spec` (not of its subcommands).
void ResetLatencyStats(const CommandSpec& spec);

}  // namespace cairn
