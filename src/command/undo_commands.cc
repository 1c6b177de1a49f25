// UNDO [count] and REDO [count]: revert or re-apply the calling connection's own last writes
// (the history and its versioning are described in undo_history.h).
//
// A call is all or nothing. It first checks every step it will apply, newest first, against the
// live versions (a key touched again by a newer step of the same call is checked against the
// version that step will leave, see UndoHistory::Relink); any mismatch refuses the whole call
// with -CONFLICT and changes nothing. Then it applies the steps key by key, each through
// CacheManager::Mutate with the version check inside the shard lock, so each key is exact. A
// write by another client between the check and the apply (a window of microseconds) makes that
// key's Mutate refuse: what the call already applied is then swapped back (the same operation
// in the other direction) and the reply is -CONFLICT. Only if that roll-back is itself refused,
// by a third write racing on the same keys, is the history cleared and the call reports it.
//
// Writes go through the cache like any write, so through the write policy; an OOM, I/O or
// backpressure refusal is rolled back the same way and reported with its usual error.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/families.h"
#include "cairn/common/strings.h"
#include "replies.h"
#include "spec_builder.h"
#include "undo_history.h"

namespace cairn {
namespace {

constexpr std::string_view kNotPositive = "ERR value is out of range, must be positive";

UndoSide Other(UndoSide side) {
  return side == UndoSide::kUndo ? UndoSide::kRedo : UndoSide::kUndo;
}

uint64_t VersionOf(CacheManager& cache, std::string_view key) {
  uint64_t v = 0;
  cache.Peek(key, [&](const Entry& e) { v = e.version(); });
  return v;
}

// The version our write of `r`'s state left on the key, read back right after the write. If the
// key no longer holds that state, another client wrote in between: kStaleVersion, so that the
// steps relying on it conflict instead of overwriting that client's write.
uint64_t ProducedVersion(CacheManager& cache, const UndoRecord& r) {
  bool found = false, same = false;
  uint64_t v = 0;
  cache.Peek(r.key, [&](const Entry& e) {
    found = true;
    v = e.version();
    same = r.present && e.value() == r.value && e.expire_at_ms() == r.expire_at_ms;
  });
  if (found) return same ? v : UndoHistory::kStaleVersion;
  const bool expired = r.present && r.expire_at_ms != 0 && r.expire_at_ms <= cache.clock().NowMs();
  return !r.present || expired ? 0 : UndoHistory::kStaleVersion;
}

// Writes the record's state if the key still has the expected version, and keeps the state it
// replaced in the record: applying it again reverses it. kConflict when the version differs;
// a write refusal (OOM, I/O, backpressure) is passed on. Nothing changes unless kOk.
OpStatus Swap(CacheManager& cache, UndoRecord& r) {
  std::string replaced;
  bool replaced_present = false;
  int64_t replaced_expire = 0;
  const OpStatus status = cache.Mutate(r.key, [&](const Entry* e) {
    if ((e == nullptr ? 0 : e->version()) != r.expect_version) {
      return Mutation::Keep(OpStatus::kConflict);
    }
    // Mutate may call this more than once: recompute everything from `e`.
    replaced_present = e != nullptr;
    replaced_expire = e == nullptr ? 0 : e->expire_at_ms();
    replaced.assign(e == nullptr ? std::string_view() : e->value());
    if (!r.present) return Mutation::Delete();
    Mutation m = Mutation::Write(r.value);
    m.keep_ttl = false;
    m.expire_at_ms = r.expire_at_ms;  // absolute: a TTL comes back to the same instant
    return m;
  });
  if (status != OpStatus::kOk) return status;
  const uint64_t produced = ProducedVersion(cache, r);
  r.state_version = r.expect_version;
  r.expect_version = produced;
  r.present = replaced_present;
  r.expire_at_ms = replaced_expire;
  r.value.swap(replaced);
  return OpStatus::kOk;
}

// Would the next `n` steps on `side` apply? Sets `key` to the first conflicting key.
bool Check(CacheManager& cache, UndoHistory& history, UndoSide side, size_t n, std::string& key) {
  std::unordered_map<std::string_view, uint64_t> linked;  // key -> version a newer step leaves
  for (size_t i = 0; i < n; ++i) {
    for (const UndoRecord& r : history.Next(side, i).records()) {
      const auto it = linked.find(r.key);
      const uint64_t now = it != linked.end() ? it->second : VersionOf(cache, r.key);
      if (now != r.expect_version) {
        key = r.key;
        return false;
      }
      linked[r.key] = r.state_version;
    }
  }
  return true;
}

enum class Outcome : uint8_t { kApplied, kRefused, kBroken };

struct StepResult {
  Outcome outcome = Outcome::kApplied;
  OpStatus status = OpStatus::kOk;  // why, when refused or broken
  std::string key;                  // the key that refused
};

// Applies the next step on `side` entirely (it then moves to the other side) or not at all.
StepResult ApplyNext(CacheManager& cache, UndoHistory& history, UndoSide side) {
  UndoStep& step = history.Next(side);
  const std::span<UndoRecord> records = step.records();
  std::vector<uint64_t> before(records.size());  // state_version before the swap
  StepResult result;
  for (size_t i = 0; i < records.size(); ++i) {
    before[i] = records[i].state_version;
    const OpStatus status = Swap(cache, records[i]);
    if (status == OpStatus::kOk) continue;
    result = {Outcome::kRefused, status, records[i].key};
    // Swap the keys already done back, newest first: each returns to the state it had, at a
    // new version, which the step on the other side that expected it is relinked to.
    for (size_t j = i; j-- > 0;) {
      UndoRecord& r = records[j];
      const uint64_t was = r.state_version;  // the version the key had before this call
      if (Swap(cache, r) != OpStatus::kOk) {
        result.outcome = Outcome::kBroken;
        return result;
      }
      r.state_version = before[j];
      history.Relink(Other(side), r.key, was, r.expect_version);
    }
    return result;
  }
  history.Advance(side);
  for (size_t i = 0; i < records.size(); ++i) {
    history.Relink(side, records[i].key, before[i], records[i].expect_version);
  }
  return result;
}

void ReplyRefused(CommandContext& ctx, const StepResult& r, UndoSide side) {
  std::string msg;
  switch (r.status) {
    case OpStatus::kConflict:
      msg = "CONFLICT key '";
      msg.append(std::string_view(r.key).substr(0, 128));
      msg.append("' was modified since (another client wrote it or it expired); nothing was ");
      msg.append(side == UndoSide::kUndo ? "undone" : "redone");
      ctx.reply.Error(msg);
      return;
    default:
      replies::WriteRefused(ctx.reply, r.status, ctx.cache);
      return;
  }
}

// The common core of UNDO and REDO.
void UndoRedo(CommandContext& ctx, Args args, UndoSide side) {
  int64_t count = 1;
  if (args.size() > 2) {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  if (args.size() == 2) {
    const std::optional<int64_t> n = ParseInt64(args[1]);
    if (!n) {
      ctx.reply.Error(replies::kNotInteger);
      return;
    }
    if (*n <= 0) {
      ctx.reply.Error(kNotPositive);
      return;
    }
    count = *n;
  }
  if (ctx.server.undo_depth() == 0) ctx.client.undo.reset();
  if (!ctx.client.undo) {
    ctx.reply.Integer(0);
    return;
  }
  UndoHistory& history = *ctx.client.undo;
  const size_t n = std::min(static_cast<size_t>(count), history.available(side));
  StepResult result;
  if (!Check(ctx.cache, history, side, n, result.key)) {
    result.outcome = Outcome::kRefused;
    result.status = OpStatus::kConflict;
    ReplyRefused(ctx, result, side);
    return;
  }
  for (size_t applied = 0; applied < n; ++applied) {
    result = ApplyNext(ctx.cache, history, side);
    if (result.outcome == Outcome::kApplied) continue;
    // All or nothing: the steps this call applied go back the other way.
    for (size_t i = 0; i < applied && result.outcome == Outcome::kRefused; ++i) {
      if (ApplyNext(ctx.cache, history, Other(side)).outcome != Outcome::kApplied) {
        result.outcome = Outcome::kBroken;
      }
    }
    if (result.outcome == Outcome::kBroken) {
      history.Clear();
      ctx.reply.Error(
          "ERR concurrent writes to the same keys interrupted the call and it could not be "
          "rolled back; some steps were applied and the undo history was cleared");
      return;
    }
    ReplyRefused(ctx, result, side);
    return;
  }
  history.Trim(ctx.server.undo_max_bytes());
  ctx.reply.Integer(static_cast<int64_t>(n));
}

void UndoCommand(CommandContext& ctx, Args args) { UndoRedo(ctx, args, UndoSide::kUndo); }
void RedoCommand(CommandContext& ctx, Args args) { UndoRedo(ctx, args, UndoSide::kRedo); }

}  // namespace

void RegisterUndoCommands(CommandTable& table) {
  constexpr SpecBuilder Spec("keyspace", "0.1.0");  // Cairn's own commands
  table.Register(Spec("undo", -1, kCmdWrite | kCmdNoMulti, &UndoCommand,
                      "Reverts the connection's last writes, newest first (Cairn extension)"));
  table.Register(Spec("redo", -1, kCmdWrite | kCmdNoMulti, &RedoCommand,
                      "Re-applies writes reverted by UNDO, oldest first (Cairn extension)"));
}

}  // namespace cairn
