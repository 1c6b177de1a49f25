// UNDO / REDO (Command pattern): one connection's history of its own writes.
//
// Each keyed write a connection runs becomes one step (UndoRecorder fills it around the command):
// for every key the command changed, the key's previous state (value and absolute expiry, or
// absence) and the entry version the command produced. Applying a step *swaps*: it checks that
// the key still has the expected version (otherwise someone else changed it: CONFLICT), writes
// the recorded state back through the cache (so through the write policy, like any write) and
// keeps the state it replaced, so applying the same step again re-does what it undid. UNDO and
// REDO are therefore one operation on one sequence of steps with a cursor:
//
//     s0 s1 s2 | s3 s4      steps [0, cursor) can be undone, newest first (s2, s1 ...);
//              ^ cursor     steps [cursor, size) can be redone (s3 first); a new write drops them.
//
// Versions. Every write gives the entry a fresh version from its shard's monotonic counter and an
// absent key has version 0, so "the key is as I left it" is one integer compare, free of ABA.
// A record also keeps the version its state had when it was live (`state_version`): when a step
// rewrites a key, the next step on the same side that touched the key expected that old version,
// and is relinked to the new one (Relink). That is what lets SET k 1; SET k 2; UNDO; UNDO work
// without a false conflict on the second UNDO.
//
// Bounds. At most `depth` steps, and at most `max_bytes` of keys and values (RecordCost): the
// oldest undo steps are dropped first, then the farthest redo steps. A write whose own record
// would not fit clears the history instead (it cannot be undone, so the steps before it could
// no longer be undone newest first either).
//
// Storage is recycled: steps live in a ring whose slots keep their buffers (up to kKeepBytes
// each), so a connection that writes in a loop allocates nothing once its ring is full.
//
// Thread safety: none needed. A history belongs to one connection and only that connection's
// commands touch it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

// One key of a step.
struct UndoRecord {
  std::string key;
  std::string value;            // the state to write back, when `present`
  int64_t expire_at_ms = 0;     // its absolute expiry (0 = none)
  bool present = false;         // false: the state is "absent" (applying deletes the key)
  uint64_t state_version = 0;   // the version that state had when it was live (0 = absent)
  uint64_t expect_version = 0;  // the version the key must have for the step to apply
};

// One command's worth of records (a multi-key command is one step).
class UndoStep {
 public:
  std::span<UndoRecord> records() { return {records_.data(), used_}; }
  std::span<const UndoRecord> records() const { return {records_.data(), used_}; }
  bool empty() const { return used_ == 0; }
  // A record slot (reusing a released one's buffers), cleared except for its capacity.
  UndoRecord& Add();
  // Keeps records [0, n) only, in that order (their slots are reused later).
  void Truncate(size_t n) { used_ = n; }
  // Forgets the records, keeping buffers of up to kKeepBytes for reuse.
  void Reset();
  // Accounted size of the records (RecordCost of each).
  uint64_t Bytes() const;

 private:
  friend class UndoHistory;
  std::vector<UndoRecord> records_;  // [0, used_) live; the rest are spare slots
  size_t used_ = 0;
  bool trimmed_ = true;     // Reset() ran and no Add() since: the buffers are known to be small
  uint64_t accounted_ = 0;  // Bytes() when the history last counted this step
};

enum class UndoSide : uint8_t { kUndo, kRedo };

class UndoHistory {
 public:
  // A version no entry ever has (versions are 48-bit): a record expecting it always conflicts.
  static constexpr uint64_t kStaleVersion = std::numeric_limits<uint64_t>::max();
  // Buffers a recycled step keeps; larger ones are released.
  static constexpr size_t kKeepBytes = 16 * 1024;

  // What one record costs against undo-max-bytes: its bytes plus a fixed bookkeeping charge.
  static constexpr uint64_t RecordCost(size_t key_len, size_t value_len) {
    return sizeof(UndoRecord) + key_len + value_len;
  }

  // The step being recorded around the current command (UndoRecorder).
  UndoStep& pending() { return pending_; }
  // Makes the pending step the newest undo step: drops the redo steps, then the oldest steps
  // beyond the bounds. A pending step larger than max_bytes clears the history.
  void CommitPending(size_t depth, uint64_t max_bytes);
  // Drops every step (FLUSHALL, undo-depth 0, an unrecordable write).
  void Clear();

  size_t available(UndoSide side) const {
    return side == UndoSide::kUndo ? cursor_ : size_ - cursor_;
  }
  // The i-th step UNDO (or REDO) would apply, i = 0 being the next one. Precondition:
  // i < available(side).
  UndoStep& Next(UndoSide side, size_t i = 0);
  // The step Next(side) has been applied (swapped): it moves to the other side and is counted
  // again (a swap can grow a step: an undone SET now holds the value it replaced).
  void Advance(UndoSide side);
  // Our own write moved `key` from version `from` to version `to` (same logical state for the
  // step that expected `from`): the next step on `side` that touches the key, if it expects
  // `from`, now expects `to`. Steps further away are left alone.
  void Relink(UndoSide side, std::string_view key, uint64_t from, uint64_t to);
  // Drops steps until the history fits in max_bytes: the oldest undo steps first, then the
  // farthest redo steps.
  void Trim(uint64_t max_bytes);

  uint64_t bytes() const { return bytes_; }
  size_t size() const { return size_; }

 private:
  UndoStep& At(size_t i) { return slots_[(head_ + i) % slots_.size()]; }
  void DropOldest();           // s0
  void DropNewest();           // s(size-1)
  void Reshape(size_t depth);  // rotates head_ to 0 and resizes the ring to `depth` slots

  std::vector<UndoStep> slots_;  // the ring; grows up to `depth` slots as steps arrive
  size_t head_ = 0;              // slot of s0
  size_t size_ = 0;
  size_t cursor_ = 0;
  uint64_t bytes_ = 0;  // Bytes() of steps [0, size_)
  UndoStep pending_;
};

}  // namespace cairn
