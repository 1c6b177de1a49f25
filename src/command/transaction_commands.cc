// MULTI, EXEC, DISCARD, WATCH, UNWATCH with Redis 7.0's replies (multi.c). The queue and the
// watched keys are a Transaction (transaction.h); the dispatcher queues the commands (+QUEUED)
// and flags the transaction when it refuses one.
//
// Atomicity: EXEC runs with the exclusive gate held (kCmdExclusive, cairn/common/
// exclusive_gate.h), so no other command runs on any I/O thread, and neither active expiry nor
// a snapshot capture, from before the watched keys are checked until the last reply is written.
//
// UNDO: a transaction is one UNDO step, made of the keys its write commands name (the previous
// state of each, the version EXEC left). A transaction with a keyless write (FLUSHALL,
// SNAPSHOT RESTORE ...) records no step of its own: those commands manage the history as they
// do alone (FLUSHALL clears it). UNDO and REDO themselves are refused inside MULTI
// (kCmdNoMulti): undoing from inside a step that is being recorded has no clear meaning.
//
// Notifications: keyspace notifications and events of the queued commands are published as
// each command runs, while the gate is held; subscribers receive them from their own threads
// after EXEC releases it (the notification path never takes the gate).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acl_gate.h"
#include "cairn/cache/cache_manager.h"
#include "cairn/command/command_table.h"
#include "cairn/command/dispatcher.h"
#include "cluster_gate.h"
#include "replies.h"
#include "spec_builder.h"
#include "transaction.h"
#include "undo_recorder.h"

namespace cairn {

void DiscardTransaction(ClientState& client) {
  if (client.tx) {
    client.tx->ClearQueue();
    client.tx->UnwatchAll();
  }
  client.in_multi = false;
  client.multi_count = -1;
}

namespace {

Transaction& TransactionOf(CommandContext& ctx) {
  if (!ctx.client.tx) ctx.client.tx.reset(new Transaction(ctx.cache));
  return *ctx.client.tx;
}

void MultiCommand(CommandContext& ctx, Args) {
  ClientState& client = ctx.client;
  if (client.in_multi) {
    ctx.reply.Error("ERR MULTI calls can not be nested");
    return;
  }
  TransactionOf(ctx).ClearQueue();
  client.in_multi = true;
  client.multi_count = 0;
  ctx.reply.Ok();
}

void DiscardCommand(CommandContext& ctx, Args) {
  if (!ctx.client.in_multi) {
    ctx.reply.Error("ERR DISCARD without MULTI");
    return;
  }
  DiscardTransaction(ctx.client);
  ctx.reply.Ok();
}

void WatchCommand(CommandContext& ctx, Args args) {
  if (ctx.client.in_multi) {
    ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  Transaction& tx = TransactionOf(ctx);
  for (size_t i = 1; i < args.size(); ++i) tx.Watch(args[i]);
  ctx.reply.Ok();
}

void UnwatchCommand(CommandContext& ctx, Args) {
  if (ctx.client.tx) ctx.client.tx->UnwatchAll();
  ctx.reply.Ok();
}

// The keys of the transaction's writes (its UNDO step, and what reaches the tier together under
// write-back); false when a keyless write (FLUSHALL ...) makes it unrecordable as one UNDO step.
bool WriteKeys(const CommandTable& table, const std::vector<std::vector<std::string_view>>& cmds,
               std::vector<std::string_view>& keys) {
  bool all_keyed = true;
  for (const std::vector<std::string_view>& cmd : cmds) {
    const CommandSpec* spec = table.Resolve(cmd);
    if (spec == nullptr || (spec->flags & kCmdWrite) == 0) continue;
    if (spec->first_key <= 0) all_keyed = false;
    AppendCommandKeys(*spec, cmd, keys);
  }
  return all_keyed;
}

// Cluster mode: every queued command's keys must hash to one slot this node owns (Redis's
// getNodeByQuery over the MULTI state, checked before EXEC itself runs). Each command was routed
// alone when it was queued; this catches two commands whose keys live in different slots.
// Replies the error (-CROSSSLOT, or -MOVED after a map change) and returns false.
bool QueuedKeysInOneSlot(CommandContext& ctx,
                         const std::vector<std::vector<std::string_view>>& cmds) {
  int slot = -1;
  for (const std::vector<std::string_view>& cmd : cmds) {
    const CommandSpec* spec = ctx.table->Resolve(cmd);
    if (spec == nullptr || spec->first_key <= 0) continue;
    if (!ClusterAllows(ctx, *spec, cmd, &slot)) return false;
  }
  return true;
}

void ExecCommand(CommandContext& ctx, Args) {
  ClientState& client = ctx.client;
  if (!client.in_multi) {
    ctx.reply.Error("ERR EXEC without MULTI");
    return;
  }
  Transaction& tx = *client.tx;
  if (ctx.cluster != nullptr && !QueuedKeysInOneSlot(ctx, tx.Commands())) {
    DiscardTransaction(client);
    return;
  }
  if (tx.may_grow() && ctx.cache.OutOfMemory()) {  // Redis: rejectCommand -> execCommandAbort
    DiscardTransaction(client);
    ctx.reply.Error(
        std::string("EXECABORT Transaction discarded because of: ").append(replies::kOom));
    return;
  }
  if (tx.aborted()) {
    DiscardTransaction(client);
    ctx.reply.Error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (tx.WatchedKeyChanged()) {
    DiscardTransaction(client);
    ctx.reply.NullArray();
    return;
  }
  const std::vector<std::vector<std::string_view>> cmds = tx.Commands();
  std::vector<std::string_view> keys;
  std::optional<UndoRecorder> undo;
  if (WriteKeys(*ctx.table, cmds, keys) && !keys.empty()) undo.emplace(ctx, keys);
  // The watched keys are dropped before the commands run (Redis's unwatchAllKeys in execCommand):
  // the transaction's own writes need not set the flag of a ticket nobody will read.
  tx.UnwatchAll();
  const Dispatcher dispatcher(*ctx.table);
  client.in_exec = true;
  ctx.reply.ArrayHeader(cmds.size());
  for (const std::vector<std::string_view>& cmd : cmds) {
    if (AclAllowsQueued(ctx, cmd)) dispatcher.RunQueued(ctx, cmd);  // the rules may have changed
  }
  client.in_exec = false;
  // Still inside the exclusive gate: under write-back the transaction's writes reach the tier
  // as one batch (a failure leaves them dirty for the flusher; tier_error() says why).
  ctx.cache.PersistTogether(keys);
  if (undo) undo->Commit();
  DiscardTransaction(client);
}

}  // namespace

void RegisterTransactionCommands(CommandTable& table) {
  constexpr SpecBuilder Spec("transactions");
  constexpr uint32_t kTx = kCmdNoScript | kCmdLoading | kCmdStale;
  auto add = [&](CommandSpec spec, std::vector<std::string> categories) {
    spec.acl_categories = std::move(categories);
    table.Register(std::move(spec));
  };
  add(Spec("multi", 1, kTx | kCmdFast | kCmdTxControl, &MultiCommand, "Starts a transaction.",
           "1.2.0"),
      {"fast", "transaction"});
  add(Spec("exec", 1, kTx | kCmdTxControl | kCmdExclusive, &ExecCommand,
           "Executes all commands in a transaction.", "1.2.0"),
      {"slow", "transaction"});
  add(Spec("discard", 1, kTx | kCmdFast | kCmdTxControl, &DiscardCommand, "Discards a transaction.",
           "2.0.0"),
      {"fast", "transaction"});
  add(Spec("watch", -2, kTx | kCmdFast | kCmdTxControl, {1, -1, 1}, &WatchCommand,
           "Monitors changes to keys to determine the execution of a transaction.", "2.2.0"),
      {"fast", "transaction"});
  add(Spec("unwatch", 1, kTx | kCmdFast, &UnwatchCommand,
           "Forgets about watched keys of a transaction.", "2.2.0"),
      {"fast", "transaction"});
}

}  // namespace cairn
