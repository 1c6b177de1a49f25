// Moving keys between nodes: DUMP, RESTORE, RESTORE-ASKING and MIGRATE, with Redis 7.0's
// arguments, replies and errors. A slot moves as in Redis: CLUSTER SETSLOT IMPORTING on the
// target and MIGRATING on the source, then MIGRATE of the slot's keys (CLUSTER GETKEYSINSLOT) in
// batches, then SETSLOT NODE on every node (scripts/cluster-move-slots.sh does all of it).
//
// MIGRATE reads each key's value and expiry, sends RESTORE-ASKING key ttl payload [REPLACE] to
// the target (payload: cairn/cluster/dump_payload.h), and deletes a key here only once the target
// has answered +OK for it. It runs with the keyspace gate exclusive (kCmdExclusive): no command
// on any thread changes a key between its copy and its deletion, and a command routed to this
// node before the move is routed again after it (cluster_gate.h). The price is Redis's: the
// server waits for the round trip to the target (each step bounded by the command's timeout).
//
// Persistence. The target writes each key through its own write policy (write-through: in its
// store before its +OK; write-back: queued dirty there, flushed by its timer), so a key dirty
// here, not yet flushed, is not lost: its value travels, and the source's delete goes through
// the source's write policy (removing the key from its own store, now or at the next flush).
#include <algorithm>
#include <string>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/cluster/cluster_state.h"
#include "cairn/cluster/dump_payload.h"
#include "cairn/command/families.h"
#include "cairn/common/strings.h"
#include "migrate_link.h"
#include "notify.h"
#include "spec_builder.h"

namespace cairn {
namespace {

int64_t NowMs(const CommandContext& ctx) { return ctx.cache.clock().NowMs(); }

// --- DUMP ---

void DumpCommand(CommandContext& ctx, Args args) {
  std::string payload;
  const OpStatus s =
      ctx.cache.Peek(args[1], [&](const Entry& e) { payload = cluster::EncodeDump(e.value()); });
  s == OpStatus::kOk ? ctx.reply.Bulk(payload) : ctx.reply.Null();
}

// --- RESTORE ---

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] (restoreCommand, checks in
// its order). IDLETIME and FREQ are checked and accepted; the key starts with fresh access
// metadata (the cache has no per-key setter for them).
void RestoreCommand(CommandContext& ctx, Args args) {
  bool replace = false;
  bool absttl = false;
  bool idletime = false;
  bool freq = false;
  for (size_t j = 4; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(args[j], "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(args[j], "idletime") && more && !freq) {
      const auto v = ParseInt64(args[++j]);
      if (!v) return ctx.reply.Error(replies::kNotInteger);
      if (*v < 0) return ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
      idletime = true;
    } else if (EqualsIgnoreCase(args[j], "freq") && more && !idletime) {
      const auto v = ParseInt64(args[++j]);
      if (!v) return ctx.reply.Error(replies::kNotInteger);
      if (*v < 0 || *v > 255) {
        return ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      }
      freq = true;
    } else {
      return ctx.reply.Error(replies::kSyntaxError);
    }
  }
  const std::string_view key = args[1];
  if (!replace && ctx.cache.Exists(key)) {
    return ctx.reply.Error("BUSYKEY Target key name already exists.");
  }
  const auto ttl = ParseInt64(args[2]);
  if (!ttl) return ctx.reply.Error(replies::kNotInteger);
  if (*ttl < 0) return ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
  std::string value;
  switch (cluster::DecodeDump(args[3], ctx.server.proto_max_bulk_len(), value)) {
    case cluster::DumpError::kOk:
      break;
    case cluster::DumpError::kVersionOrChecksum:
      return ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
    case cluster::DumpError::kBadFormat:
      return ctx.reply.Error("ERR Bad data format");
  }
  int64_t expire_at = *ttl;
  if (expire_at != 0 && !absttl) {
    expire_at = *ttl > Entry::kMaxExpireMs - NowMs(ctx) ? Entry::kMaxExpireMs : *ttl + NowMs(ctx);
  }
  expire_at = std::min(expire_at, Entry::kMaxExpireMs);
  if (expire_at != 0 && expire_at <= NowMs(ctx)) {  // already expired: nothing is created
    if (replace && ctx.cache.Delete(key)) NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
    return ctx.reply.Ok();
  }
  SetOptions opts;
  opts.cond = replace ? SetOptions::Cond::kAlways : SetOptions::Cond::kIfAbsent;
  opts.expire_at_ms = expire_at;
  const SetResult r = ctx.cache.Set(key, value, opts);
  if (replies::ReplyIfRefused(ctx.reply, r.status, ctx.cache)) return;
  if (r.status == OpStatus::kNotApplied) {  // created meanwhile by another client
    return ctx.reply.Error("BUSYKEY Target key name already exists.");
  }
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "restore", key);
  ctx.reply.Ok();
}

// --- MIGRATE ---

struct Outgoing {
  std::string_view key;
  std::string payload;
  int64_t ttl_ms = 0;
};

// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS k ...]
void MigrateCommand(CommandContext& ctx, Args args) {
  bool copy = false;
  bool replace = false;
  std::string_view user;
  std::string_view password;
  size_t first_key = 3;
  size_t num_keys = 1;
  for (size_t j = 6; j < args.size(); ++j) {
    const size_t more = args.size() - 1 - j;
    if (EqualsIgnoreCase(args[j], "copy")) {
      copy = true;
    } else if (EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(args[j], "auth") && more >= 1) {
      password = args[++j];
    } else if (EqualsIgnoreCase(args[j], "auth2") && more >= 2) {
      user = args[++j];
      password = args[++j];
    } else if (EqualsIgnoreCase(args[j], "keys")) {
      if (!args[3].empty()) {
        return ctx.reply.Error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
      }
      first_key = j + 1;
      num_keys = args.size() - j - 1;
      break;
    } else {
      return ctx.reply.Error(replies::kSyntaxError);
    }
  }
  const auto timeout = ParseInt64(args[5]);
  const auto db = timeout ? ParseInt64(args[4]) : std::nullopt;
  if (!timeout || !db) return ctx.reply.Error(replies::kNotInteger);
  const int64_t timeout_ms = *timeout <= 0 ? 1000 : std::min<int64_t>(*timeout, INT32_MAX);

  // The keys present, their payloads and remaining TTLs (an expired key is skipped, as Redis).
  std::vector<Outgoing> out;
  const int64_t now = NowMs(ctx);
  for (size_t i = first_key; i < first_key + num_keys; ++i) {
    Outgoing o{args[i], {}, 0};
    bool live = true;
    if (ctx.cache.Peek(o.key,
                       [&](const Entry& e) {
                         if (e.has_expiry()) {
                           o.ttl_ms = std::max<int64_t>(e.expire_at_ms() - now, 1);
                           live = e.expire_at_ms() > now;
                         }
                         if (live) o.payload = cluster::EncodeDump(e.value());
                       }) == OpStatus::kOk &&
        live) {
      out.push_back(std::move(o));
    }
  }
  if (out.empty()) return ctx.reply.SimpleString("NOKEY");

  std::string request;
  if (!password.empty()) {
    user.empty() ? AppendRespCommand(request, {"AUTH", password})
                 : AppendRespCommand(request, {"AUTH", user, password});
  }
  AppendRespCommand(request, {"SELECT", args[4]});
  const std::string_view restore = ctx.cluster != nullptr ? "RESTORE-ASKING" : "RESTORE";
  for (const Outgoing& o : out) {
    const std::string ttl = std::to_string(o.ttl_ms);
    replace ? AppendRespCommand(request, {restore, o.key, ttl, o.payload, "REPLACE"})
            : AppendRespCommand(request, {restore, o.key, ttl, o.payload});
  }
  MigrateLink link;
  if (!link.Connect(std::string(args[1]), std::string(args[2]), timeout_ms)) {
    return ctx.reply.Error("IOERR error or timeout connecting to the client");
  }
  if (!link.Write(request)) {
    return ctx.reply.Error("IOERR error or timeout writing to target instance");
  }
  std::string line;
  std::string first_error;
  const size_t preamble = password.empty() ? 1 : 2;  // [AUTH] SELECT
  for (size_t i = 0; i < preamble; ++i) {
    if (!link.ReadLine(line)) {
      return ctx.reply.Error("IOERR error or timeout reading from target instance");
    }
    if (line[0] == '-' && first_error.empty()) first_error = line.substr(1);
  }
  for (const Outgoing& o : out) {
    if (!link.ReadLine(line)) {
      return ctx.reply.Error("IOERR error or timeout reading from target instance");
    }
    if (line[0] == '-') {
      if (first_error.empty()) first_error = line.substr(1);
    } else if (!copy && ctx.cache.Delete(o.key)) {  // the target has it: now it may go
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", o.key);
    }
  }
  if (!first_error.empty()) {
    return ctx.reply.Error("ERR Target instance replied with error: " + first_error);
  }
  ctx.reply.Ok();
}

}  // namespace

void RegisterMigrateCommands(CommandTable& table) {
  constexpr SpecBuilder Spec("generic", "2.6.0");
  table.Register(Spec("dump", 2, kCmdReadOnly, {1, 1, 1}, &DumpCommand,
                      "Returns a serialized representation of the value stored at a key."));
  table.Register(Spec("restore", -4, kCmdWrite | kCmdDenyOom, {1, 1, 1}, &RestoreCommand,
                      "Creates a key from the serialized representation of a value."));
  table.Register(Spec("restore-asking", -4, kCmdWrite | kCmdDenyOom, {1, 1, 1}, &RestoreCommand,
                      "An internal command for migrating keys in a cluster.", "3.0.0"));
  // No key positions: its keys ("" and KEYS ...) are checked by the command itself.
  table.Register(Spec("migrate", -6, kCmdWrite | kCmdExclusive | kCmdNoScript, &MigrateCommand,
                      "Atomically transfers a key from one Redis instance to another."));
}

}  // namespace cairn
