// Persistence commands: WRITEBACK FLUSH|STATUS, SAVE, BGSAVE, LASTSAVE and
// SNAPSHOT CREATE|RESTORE|LIST|DELETE (Cairn extensions; SAVE/BGSAVE/LASTSAVE as in Redis).
// They reach the PersistenceService through ServerContext::persistence().
#include <string>

#include "cairn/command/command_table.h"
#include "cairn/command/families.h"
#include "cairn/persistence/persistence_service.h"
#include "notify.h"
#include "spec_builder.h"
#include "tracking_commands.h"

namespace cairn {
namespace {

constexpr std::string_view kDefaultSnapshot = "dump";  // SAVE / BGSAVE

PersistenceService* Service(CommandContext& ctx) {
  PersistenceService* p = ctx.server.persistence();
  if (p == nullptr) ctx.reply.Error("ERR persistence is not available (no data-dir store)");
  return p;
}

void StatusError(CommandContext& ctx, const Status& st) { ctx.reply.Error("ERR " + st.ToString()); }

void AddField(ReplyBuilder& r, std::string_view name, std::string_view value) {
  r.Bulk(name);
  r.Bulk(value);
}

void WritebackFlushCommand(CommandContext& ctx, Args) {
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  auto n = p->FlushNow();
  if (!n.ok()) return StatusError(ctx, n.status());
  ctx.reply.Integer(static_cast<int64_t>(n.value()));
}

void WritebackStatusCommand(CommandContext& ctx, Args) {
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  PersistenceInfo i = p->Info();
  ctx.reply.MapHeader(9);
  AddField(ctx.reply, "write_policy", i.write_policy);
  AddField(ctx.reply, "dirty_keys", std::to_string(i.dirty_keys));
  AddField(ctx.reply, "dirty_bytes", std::to_string(i.dirty_bytes));
  AddField(ctx.reply, "oldest_dirty_age_ms", std::to_string(i.oldest_dirty_age_ms));
  AddField(ctx.reply, "flushes", std::to_string(i.flush.flushes));
  AddField(ctx.reply, "flushed_keys", std::to_string(i.flush.flushed_keys));
  AddField(ctx.reply, "flush_errors", std::to_string(i.flush.flush_errors));
  AddField(ctx.reply, "last_flush_status", i.flush.last_flush_status);
  AddField(ctx.reply, "last_flush_duration_ms", std::to_string(i.flush.last_flush_duration_ms));
}

void SaveCommand(CommandContext& ctx, Args) {
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  auto r = p->Save(std::string(kDefaultSnapshot));
  if (!r.ok()) return StatusError(ctx, r.status());
  NotifyCairnEvent(ctx, "snapshot", kDefaultSnapshot,
                   "saved " + std::to_string(r.value().entry_count) + " keys");
  ctx.reply.Ok();
}

void BgsaveCommand(CommandContext& ctx, Args args) {
  if (args.size() > 2 || (args.size() == 2 && args[1] != "SCHEDULE" && args[1] != "schedule")) {
    ctx.reply.Error("ERR syntax error");
    return;
  }
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  Status st = p->BgSave(std::string(kDefaultSnapshot));
  if (st.code() == StatusCode::kAborted) {
    ctx.reply.Error("ERR Background save already in progress");
    return;
  }
  if (!st.ok()) return StatusError(ctx, st);
  ctx.reply.SimpleString("Background saving started");
}

void LastsaveCommand(CommandContext& ctx, Args) {
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  ctx.reply.Integer(p->LastSaveS());
}

void SnapshotCreateCommand(CommandContext& ctx, Args args) {
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  auto r = p->Save(std::string(args[2]));
  if (!r.ok()) return StatusError(ctx, r.status());
  NotifyCairnEvent(ctx, "snapshot", args[2],
                   "saved " + std::to_string(r.value().entry_count) + " keys");
  ctx.reply.Ok();
}

void SnapshotRestoreCommand(CommandContext& ctx, Args args) {
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  auto r = p->Restore(std::string(args[2]));
  if (!r.ok()) return StatusError(ctx, r.status());  // verified first: nothing changed
  InvalidateAllTracked(ctx);
  NotifyCairnEvent(ctx, "restore", args[2],
                   "restored " + std::to_string(r.value().entry_count) + " keys");
  ctx.reply.Ok();
}

void SnapshotListCommand(CommandContext& ctx, Args) {
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  auto list = p->ListSnapshots();
  if (!list.ok()) return StatusError(ctx, list.status());
  ctx.reply.ArrayHeader(list.value().size());
  for (const SnapshotListing& s : list.value()) {
    ctx.reply.MapHeader(4);
    AddField(ctx.reply, "name", s.name);
    AddField(ctx.reply, "created_at_ms", std::to_string(s.info.created_at_ms));
    AddField(ctx.reply, "entries", std::to_string(s.info.entry_count));
    AddField(ctx.reply, "policy", s.info.policy);
  }
}

void SnapshotDeleteCommand(CommandContext& ctx, Args args) {
  PersistenceService* p = Service(ctx);
  if (p == nullptr) return;
  Status st = p->DeleteSnapshot(std::string(args[2]));
  if (st.code() == StatusCode::kNotFound) {
    ctx.reply.Integer(0);
    return;
  }
  if (!st.ok()) return StatusError(ctx, st);
  ctx.reply.Integer(1);
}

}  // namespace

void RegisterPersistenceCommands(CommandTable& table) {
  const uint32_t kAdminNoLoad = kCmdAdmin | kCmdNoScript;
  constexpr SpecBuilder Spec("server", "0.1.0");  // Cairn's own commands
  CommandSpec writeback = Spec.Container("writeback", "Write-back control (Cairn extension)");
  writeback.subcommands.push_back(Spec("flush", 2, kAdminNoLoad, &WritebackFlushCommand,
                                       "Flush every dirty key now; replies the number written"));
  writeback.subcommands.push_back(Spec("status", 2, kAdminNoLoad | kCmdLoading,
                                       &WritebackStatusCommand, "Write-back backlog and flushes"));
  table.Register(std::move(writeback));

  table.Register(Spec("save", 1, kAdminNoLoad | kCmdNoMulti, &SaveCommand,
                      "Synchronously save the dataset to the 'dump' snapshot", "1.0.0"));
  table.Register(Spec("bgsave", -1, kAdminNoLoad, &BgsaveCommand,
                      "Asynchronously save the dataset to the 'dump' snapshot", "1.0.0"));
  table.Register(Spec("lastsave", 1, kCmdFast | kCmdLoading | kCmdStale, &LastsaveCommand,
                      "Unix time of the last successful save", "1.0.0"));

  CommandSpec snapshot = Spec.Container("snapshot", "Named snapshots (Cairn extension)");
  snapshot.subcommands.push_back(
      Spec("create", 3, kAdminNoLoad, &SnapshotCreateCommand, "Save a named snapshot"));
  snapshot.subcommands.push_back(Spec("restore", 3, kAdminNoLoad | kCmdWrite,
                                      &SnapshotRestoreCommand,
                                      "Replace the whole cache with a verified snapshot"));
  snapshot.subcommands.push_back(
      Spec("list", 2, kAdminNoLoad | kCmdLoading, &SnapshotListCommand, "List snapshots"));
  snapshot.subcommands.push_back(
      Spec("delete", 3, kAdminNoLoad, &SnapshotDeleteCommand, "Delete a named snapshot"));
  table.Register(std::move(snapshot));
}

}  // namespace cairn
