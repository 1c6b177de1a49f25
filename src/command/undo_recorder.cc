// UndoRecorder: captures a keyed write's previous states and the versions it produced.
#include "undo_recorder.h"

#include <algorithm>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "undo_history.h"

namespace cairn {

UndoRecorder::UndoRecorder(CommandContext& ctx, const CommandSpec& spec, Args args) : ctx_(ctx) {
  // A transaction's commands are recorded as one step by EXEC (transaction_commands.cc).
  if ((spec.flags & kCmdWrite) == 0 || spec.first_key <= 0 || ctx.client.in_exec) return;
  if (ctx.server.undo_depth() == 0) {
    ctx.client.undo.reset();  // undo turned off: forget what was kept
    return;
  }
  Capture(ctx, spec, args);
}

void UndoRecorder::Capture(CommandContext& ctx, const CommandSpec& spec, Args args) {
  // The keys by the table row, each once (DEL a a, MSET a 1 a 2 touch one key). A single-key
  // write (SET, INCR ...: the usual case) skips the list.
  std::span<const std::string_view> keys;
  thread_local std::vector<std::string_view> key_list;
  if (const std::string_view* one = CommandKeys::Single(spec, args)) {
    keys = {one, 1};
  } else {
    key_list.clear();
    for (const std::string_view key : CommandKeys(spec, args)) key_list.push_back(key);
    if (key_list.size() > 1) {
      std::sort(key_list.begin(), key_list.end());
      key_list.erase(std::unique(key_list.begin(), key_list.end()), key_list.end());
    }
    keys = key_list;
  }
  CaptureKeys(ctx, keys);
  key_list.clear();
}

UndoRecorder::UndoRecorder(CommandContext& ctx, std::vector<std::string_view>& keys) : ctx_(ctx) {
  if (ctx.server.undo_depth() == 0) {
    ctx.client.undo.reset();
    return;
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  CaptureKeys(ctx, keys);
}

void UndoRecorder::CaptureKeys(CommandContext& ctx, std::span<const std::string_view> keys) {
  if (keys.empty()) return;
  if (!ctx.client.undo) ctx.client.undo.reset(new UndoHistory());
  history_ = ctx.client.undo.get();
  max_bytes_ = ctx.server.undo_max_bytes();
  UndoStep& pending = history_->pending();
  pending.Reset();
  uint64_t bytes = 0;
  for (std::string_view key : keys) {
    UndoRecord& r = pending.Add();
    r.key.assign(key);
    ctx.cache.Peek(key, [&](const Entry& e) {
      r.present = true;
      r.state_version = e.version();
      r.expire_at_ms = e.expire_at_ms();
      if (oversized_ || bytes + UndoHistory::RecordCost(key.size(), e.value_len()) > max_bytes_) {
        oversized_ = true;  // the versions still tell whether anything changed
        return;
      }
      r.value.assign(e.value());
    });
    bytes += UndoHistory::RecordCost(key.size(), r.value.size());
  }
}

void UndoRecorder::Commit() {
  if (history_ == nullptr) return;
  UndoStep& pending = history_->pending();
  std::span<UndoRecord> records = pending.records();
  size_t changed = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    UndoRecord& r = records[i];
    uint64_t now_version = 0;
    ctx_.cache.Peek(r.key, [&](const Entry& e) { now_version = e.version(); });
    if (now_version == r.state_version) continue;  // untouched (absent before and after: 0 == 0)
    r.expect_version = now_version;
    if (i != changed) std::swap(records[changed], r);
    ++changed;
  }
  pending.Truncate(changed);
  if (changed == 0) return;  // nothing written (SET NX on an existing key ...): no step
  if (oversized_) {
    // Too large to keep: this write cannot be undone, so neither can the ones before it.
    pending.Truncate(0);
    history_->Clear();
    return;
  }
  history_->CommitPending(ctx_.server.undo_depth(), max_bytes_);
}

}  // namespace cairn
