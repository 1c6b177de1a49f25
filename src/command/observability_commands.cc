// SLOWLOG GET | LEN | RESET | HELP and MONITOR (Redis 7.0 src/slowlog.c, src/replication.c
// monitorCommand: replies and errors). The dispatcher feeds both (command_observer.cc).
#include <string>
#include <string_view>
#include <utility>

#include "cairn/command/families.h"
#include "cairn/command/observability.h"
#include "cairn/common/strings.h"
#include "cairn/observability/slowlog.h"
#include "cairn/pubsub/monitor_feed.h"
#include "replies.h"
#include "spec_builder.h"

namespace cairn {
namespace {

SlowLog* SlowLogOf(CommandContext& ctx) {
  Observability* obs = ctx.server.observability();
  return obs == nullptr ? nullptr : obs->slowlog;
}

// SLOWLOG GET [count]: 10 by default, -1 = all.
void SlowLogGetCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    replies::SubcommandSyntaxError(ctx.reply, args);
    return;
  }
  int64_t count = 10;
  if (args.size() == 3) {
    const std::optional<int64_t> n = ParseInt64(args[2]);
    if (!n || *n < -1) {
      ctx.reply.Error(kSlowLogCountError);
      return;
    }
    count = *n;
  }
  SlowLog* log = SlowLogOf(ctx);
  if (log == nullptr) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  const std::vector<SlowLogEntry> entries = log->Get(count);
  ReplySlowLogEntries(entries, ctx.reply);
}

void SlowLogLenCommand(CommandContext& ctx, Args) {
  SlowLog* log = SlowLogOf(ctx);
  ctx.reply.Integer(log == nullptr ? 0 : static_cast<int64_t>(log->Len()));
}

void SlowLogResetCommand(CommandContext& ctx, Args) {
  if (SlowLog* log = SlowLogOf(ctx)) log->Reset();
  ctx.reply.Ok();
}

void SlowLogHelpCommand(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
  };
  replies::Help(ctx.reply, "slowlog", kLines);
}

// MONITOR: from now on the connection receives every command the server runs. A second MONITOR
// replies nothing (Redis returns early for a client that already is a monitor).
void MonitorCommand(CommandContext& ctx, Args) {
  if (ctx.client.monitor) return;
  Observability* obs = ctx.server.observability();
  if (obs == nullptr || obs->monitors == nullptr || ctx.client.subscriber == nullptr) {
    ctx.reply.Error("ERR MONITOR is not available on this connection");
    return;
  }
  obs->monitors->Add(ctx.client.subscriber);
  ctx.client.monitor = true;
  ctx.reply.Ok();
}

}  // namespace

void RegisterObservabilityCommands(CommandTable& table) {
  constexpr uint32_t kAdm = kCmdAdmin | kCmdLoading | kCmdStale;
  constexpr SpecBuilder Spec("server");
  CommandSpec slowlog = Spec.Container("slowlog", "A container for slow log commands.", "2.2.12");
  slowlog.subcommands.push_back(
      Spec("get", -2, kAdm, &SlowLogGetCommand, "Returns the slow log's entries.", "2.2.12"));
  slowlog.subcommands.push_back(Spec("len", 2, kAdm, &SlowLogLenCommand,
                                     "Returns the number of entries in the slow log.", "2.2.12"));
  slowlog.subcommands.push_back(Spec("reset", 2, kAdm, &SlowLogResetCommand,
                                     "Clears all entries from the slow log.", "2.2.12"));
  slowlog.subcommands.push_back(Spec("help", 2, kCmdLoading | kCmdStale, &SlowLogHelpCommand,
                                     "Show helpful text about the different subcommands", "6.2.0"));
  table.Register(std::move(slowlog));
  table.Register(Spec("monitor", 1, kAdm | kCmdNoScript, &MonitorCommand,
                      "Listens for all requests received by the server in real-time.", "1.0.0"));
}

}  // namespace cairn
