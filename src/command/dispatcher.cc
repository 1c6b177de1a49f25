// The dispatcher: resolve the command, run a short list of gates, execute, count, and apply the
// client's reply mode. Each gate either lets the command through or writes the one error reply
// Redis 7.0 would write (processCommand's checks, in the same order). A keyed write runs inside
// an UndoRecorder, which keeps its inverse in the client's UNDO history (undo_recorder.h).
#include "cairn/command/dispatcher.h"

#include <algorithm>
#include <string>

#include "acl_gate.h"
#include "cairn/cache/cache_manager.h"
#include "cairn/command/acl.h"
#include "cairn/common/clock.h"
#include "cairn/pubsub/tracking.h"
#include "cluster_gate.h"
#include "command_observer.h"
#include "pubsub_state.h"
#include "replies.h"
#include "tracking_commands.h"
#include "transaction.h"
#include "undo_recorder.h"

namespace cairn {
namespace {

using ReplyMode = ClientState::ReplyMode;

// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
void ReplyUnknownCommand(ReplyBuilder& reply, Args args) {
  std::string msg = "ERR unknown command '";
  msg.append(replies::CString(args[0], 128)).append("', with args beginning with: ");
  const size_t list_start = msg.size();
  for (size_t i = 1; i < args.size() && msg.size() - list_start < 128; ++i) {
    const size_t room = 128 - (msg.size() - list_start);
    msg.push_back('\'');
    msg.append(replies::CString(args[i], room)).append("' ");
  }
  reply.Error(msg);
}

// Gate 1: the command (or subcommand of a container command) must exist.
const CommandSpec* Lookup(const CommandTable& table, ReplyBuilder& reply, Args args) {
  const CommandSpec* spec = table.Find(args[0]);
  if (spec == nullptr) {
    ReplyUnknownCommand(reply, args);
    return nullptr;
  }
  if (spec->subcommands.empty() || args.size() < 2) return spec;
  const CommandSpec* sub = CommandTable::FindSubcommand(*spec, args[1]);
  if (sub == nullptr) replies::UnknownSubcommand(reply, args);
  return sub;
}

// The remaining gates see the resolved spec; each returns false after replying with an error.
using Gate = bool (*)(CommandContext& ctx, const CommandSpec& spec, Args args);

bool CheckArity(CommandContext& ctx, const CommandSpec& spec, Args args) {
  const auto argc = static_cast<int64_t>(args.size());
  if ((spec.arity > 0 && argc != spec.arity) || argc < -static_cast<int64_t>(spec.arity)) {
    replies::WrongArity(ctx.reply, spec.full_name);
    return false;
  }
  return true;
}

bool CheckAuth(CommandContext& ctx, const CommandSpec& spec, Args) {
  if (ctx.client.authenticated || (spec.flags & kCmdNoAuth) != 0) return true;
  if (ctx.server.acl().default_open()) return true;
  ctx.reply.Error(replies::kNoAuth);
  return false;
}

// The client's user may run this command on these keys and channels (-NOPERM, acl_gate.h). A
// user with every permission: one version compare and one flag.
bool CheckAcl(CommandContext& ctx, const CommandSpec& spec, Args args) {
  return AclAllows(ctx, spec, args);
}

// In cluster mode a keyed command runs only on the node that owns its keys' slot (-MOVED,
// -CROSSSLOT: cluster_gate.h). Off, it is one null check.
bool CheckCluster(CommandContext& ctx, const CommandSpec& spec, Args args) {
  return ctx.cluster == nullptr || spec.first_key <= 0 || ClusterAllows(ctx, spec, args);
}

// While warm-load runs, commands that touch data answer -LOADING (as Redis does while it loads
// its dataset); connection and server commands (PING, INFO, CONFIG ...) keep working.
bool CheckLoading(CommandContext& ctx, const CommandSpec& spec, Args) {
  if ((spec.flags & kCmdLoading) != 0 || !ctx.server.loading()) return true;
  if (spec.first_key == 0 && (spec.flags & kCmdWrite) == 0) return true;
  ctx.reply.Error("LOADING Redis is loading the dataset in memory");
  return false;
}

// A RESP2 connection in pub/sub mode runs only the pub/sub commands, PING, QUIT and RESET.
bool CheckPubSubContext(CommandContext& ctx, const CommandSpec& spec, Args) {
  return PubSubContextAllows(ctx, spec);
}

constexpr Gate kGates[] = {&CheckArity,   &CheckAuth,          &CheckAcl,
                           &CheckCluster, &CheckPubSubContext, &CheckLoading};

// Inside MULTI a refused command makes EXEC answer -EXECABORT (Redis's flagTransaction).
void FlagTransaction(ClientState& client) {
  if (client.in_multi && client.tx) client.tx->Flag();
}

// Inside MULTI, when out of memory (CacheManager::OutOfMemory), Redis 7.0 refuses every command
// but EXEC, DISCARD, QUIT and RESET with -OOM and flags the transaction: queueing may take
// unbounded memory. EXEC itself is refused when a queued command may grow the dataset
// (ExecCommand).
bool RefusedOutOfMemoryInMulti(CommandContext& ctx, const CommandSpec& spec) {
  if (!ctx.cache.OutOfMemory()) return false;
  const std::string_view name = spec.full_name;
  if (name == "exec" || name == "discard" || name == "quit" || name == "reset") return false;
  ctx.reply.Error(replies::kOom);
  FlagTransaction(ctx.client);
  return true;
}

// Inside MULTI: the command passed the gates; queue it (+QUEUED), or refuse it.
void QueueCommand(CommandContext& ctx, const CommandSpec& spec, Args args) {
  ClientState& client = ctx.client;
  if ((spec.flags & kCmdNoMulti) != 0) {
    ctx.reply.Error("ERR Command not allowed inside a transaction");
    FlagTransaction(client);
    return;
  }
  if (!client.tx->Queue(args, ctx.server.proto_max_bulk_len())) {
    ctx.reply.Error("ERR transaction too large (its commands exceed proto-max-bulk-len)");
    FlagTransaction(client);
    return;
  }
  if ((spec.flags & kCmdDenyOom) != 0) client.tx->NoteMayGrow();
  ++client.multi_count;
  ctx.reply.SimpleString("QUEUED");
}

// Runs one command, writing exactly one reply. Inlined into both callers: a call here cost the
// per-command path ~20 instructions.
[[gnu::always_inline]] inline void Run(const CommandTable& table, CommandContext& ctx, Args args) {
  ServerCounters& counters = ctx.server.counters();
  const CommandSpec* spec = Lookup(table, ctx.reply, args);
  // CLIENT LIST's cmd=: the resolved name, set before the gates as Redis does ("" = NULL).
  if (spec == nullptr) {
    ctx.client.last_command.clear();
    counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
    FlagTransaction(ctx.client);
    return;
  }
  ctx.client.last_command = spec->full_name;
  // A queued command passed the gates when it was queued (EXEC runs it as Redis's call() does).
  if (!ctx.client.in_exec) {
    for (Gate gate : kGates) {
      if (!gate(ctx, *spec, args)) {
        spec->stats.rejected_calls.fetch_add(1, std::memory_order_relaxed);
        counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
        FlagTransaction(ctx.client);
        return;
      }
    }
    if (ctx.client.in_multi && RefusedOutOfMemoryInMulti(ctx, *spec)) [[unlikely]] {
      spec->stats.rejected_calls.fetch_add(1, std::memory_order_relaxed);
      counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (ctx.client.in_multi && (spec->flags & kCmdTxControl) == 0) {
      const uint64_t errors_before_queue = ctx.reply.errors();
      QueueCommand(ctx, *spec, args);
      if (ctx.reply.errors() != errors_before_queue) {
        spec->stats.rejected_calls.fetch_add(1, std::memory_order_relaxed);
        counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
      }
      return;
    }
  }
  CommandHandler handler = spec->handler;
  if (handler == nullptr) handler = table.Find(args[0])->handler;  // subcommand without its own
  if (handler == nullptr) {
    ReplyUnknownCommand(ctx.reply, args);  // registered without any handler: a table bug
    counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // In a pipelined batch a command starts where the previous one ended (its parsing, a fraction
  // of a microsecond, is counted with it): one clock read per command. The wall clock, as
  // Redis's call() times commands with ustime(): the same read pins the command's time (TimePin).
  const int64_t start_ns = ctx.last_end_ns != 0 ? ctx.last_end_ns : SystemClock::ReadNs();
  const uint64_t errors_before = ctx.reply.errors();
  {
    const TimePin pin(start_ns / 1'000'000);
    // Every command runs inside the gate, shared; EXEC exclusive (exclusive_gate.h). A queued
    // command runs inside its EXEC's hold (the guard passes through).
    const GateGuard gate((spec->flags & kCmdAllowBusy) != 0 ? nullptr : &ctx.cache.gate(),
                         (spec->flags & kCmdExclusive) != 0 ? GateGuard::Mode::kExclusive
                                                            : GateGuard::Mode::kShared);
    if (gate.busy()) [[unlikely]] {
      ctx.reply.Error(
          "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
          "NOSAVE.");
      spec->stats.rejected_calls.fetch_add(1, std::memory_order_relaxed);
      counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
      FlagTransaction(ctx.client);
      return;
    }
    // Cluster mode: routed again when the map, or a moving slot's keys, may have changed
    // between the cluster gate and now (cluster_gate.h).
    if (ctx.cluster != nullptr && spec->first_key > 0 && !ctx.client.in_exec &&
        ClusterRouteStale(ctx) && !ClusterAllows(ctx, *spec, args)) [[unlikely]] {
      spec->stats.rejected_calls.fetch_add(1, std::memory_order_relaxed);
      counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    UndoRecorder undo(ctx, *spec, args);  // keyed writes only (UNDO / REDO, undo_recorder.h)
    if (ctx.client.tracking.on) {         // CLIENT TRACKING: one byte test for everyone else
      TrackBeforeCommand(ctx, *spec, args);
      const Tracking::WriterScope writer(ctx.client.id);  // NOLOOP knows who wrote
      handler(ctx, args);
      TrackAfterCommand(ctx, *spec);
    } else {
      handler(ctx, args);
    }
    undo.Commit();
  }
  ctx.last_end_ns = SystemClock::ReadNs();
  // DEBUG SLEEP pauses the connection after the command returns: its time counts, as in Redis.
  // A wall clock stepped back while the command ran counts as no time.
  const auto elapsed_ns =
      static_cast<uint64_t>(std::max<int64_t>(0, ctx.last_end_ns - start_ns)) +
      (ctx.client.sleep_us > 0 ? static_cast<uint64_t>(ctx.client.sleep_us) * 1000 : 0);

  CommandStats& stats = spec->stats;
  stats.calls.fetch_add(1, std::memory_order_relaxed);
  stats.usec.fetch_add(elapsed_ns / 1000, std::memory_order_relaxed);
  counters.total_commands.fetch_add(1, std::memory_order_relaxed);
  if (ctx.reply.errors() != errors_before) {  // as Redis: the command replied an error
    stats.failed_calls.fetch_add(1, std::memory_order_relaxed);
    counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
  }
  ObserveCommand(ctx, *spec, args, elapsed_ns);  // latency histogram, SLOWLOG, MONITOR
}

}  // namespace

void Dispatcher::RunQueued(CommandContext& ctx, Args args) const {
  ctx.table = &table_;
  Run(table_, ctx, args);
}

void Dispatcher::Execute(CommandContext& ctx, Args args) const {
  if (args.empty()) return;  // an empty multibulk is ignored, as in Redis
  ctx.table = &table_;
  ctx.cluster = cluster_;
  ClientState& client = ctx.client;
  const size_t mark = ctx.reply.BeginReply();

  // As Redis: a SKIP armed by the previous command stays armed while this command runs (so
  // CLIENT REPLY ON can clear it and be answered) and silences it unless cleared.
  const bool skipping = client.reply_mode == ReplyMode::kSkip;
  Run(table_, ctx, args);
  if (client.asking != 0 && !client.in_multi) --client.asking;  // ASKING: the next command only

  if (client.reply_mode == ReplyMode::kOff) {
    client.skip_next_reply = false;
    ctx.reply.DropRepliesAfter(mark);
  } else if (client.skip_next_reply || (!skipping && client.reply_mode == ReplyMode::kSkip)) {
    // This command was CLIENT REPLY SKIP: it replies nothing and silences the next one.
    client.skip_next_reply = false;
    client.reply_mode = ReplyMode::kSkip;
    ctx.reply.DropRepliesAfter(mark);
  } else if (client.reply_mode == ReplyMode::kSkip) {
    client.reply_mode = ReplyMode::kOn;
    ctx.reply.DropRepliesAfter(mark);
  }
}

}  // namespace cairn
