// Records the inverse of one keyed write around its execution, as one undo step (the design is
// in undo_history.h). The dispatcher wraps every command in one:
//
//   UndoRecorder undo(ctx, spec, args);  // inactive unless a write with keys and undo-depth > 0
//   handler(ctx, args);
//   undo.Commit();
//
// The keys come from the command's table row (first / last / step), so every keyed write is
// covered without the command knowing: before it runs, each key's state (value, absolute expiry,
// version; or absence) is captured with Peek; after it runs, the keys whose version changed make
// the step (none: nothing is recorded and REDO stays available). Multi-key commands (MSET,
// MSETNX, RENAME, DEL k1 k2 ...) are one step. Commands without keys record nothing: FLUSHALL
// and FLUSHDB clear the caller's history instead (see FlushCommand).
//
// Window: the states are read just before and just after the command, not inside its shard
// lock, so a write by another client to the same key in those microseconds can be captured as
// ours (its value as the previous state, or its version as the one we produced). Making this
// exact needs one cache primitive: an optional per-call observer on the write operations (Set,
// Mutate, MultiSet, Rename, Expire, Persist, Take) that the shard calls under its lock, per key,
// with the entry being replaced (or null) and the version just produced (0 for a delete).
// Until the cache has it, the window stays, documented here.
//
// The history sees memory only: Peek and Mutate do not read through to the persistent tier, so
// a key evicted since it was written is "absent" to UNDO (a conflict for a step that expects
// it, and a previous state of "absent" for a write over an evicted key).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "cairn/command/command_table.h"
#include "cairn/command/context.h"

namespace cairn {

class UndoHistory;

class UndoRecorder {
 public:
  UndoRecorder(CommandContext& ctx, const CommandSpec& spec, Args args);
  // EXEC: one step for all the keys its writes name (`keys`: any order, repeats allowed; sorted
  // and deduplicated in place). Exact: EXEC holds the exclusive gate from before this capture
  // to after Commit, so no other client's write falls in the window described above.
  UndoRecorder(CommandContext& ctx, std::vector<std::string_view>& keys);
  UndoRecorder(const UndoRecorder&) = delete;
  UndoRecorder& operator=(const UndoRecorder&) = delete;
  // After the command ran: keeps the keys it changed as the newest undo step.
  void Commit();

 private:
  void Capture(CommandContext& ctx, const CommandSpec& spec, Args args);
  void CaptureKeys(CommandContext& ctx, std::span<const std::string_view> keys);

  CommandContext& ctx_;
  UndoHistory* history_ = nullptr;  // null: this command is not recorded
  uint64_t max_bytes_ = 0;
  bool oversized_ = false;  // a previous value did not fit in undo-max-bytes: not copied
};

}  // namespace cairn
