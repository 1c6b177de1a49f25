// The undo history ring (design notes in undo_history.h).
#include "undo_history.h"

#include <algorithm>
#include <utility>

#include "cairn/command/context.h"

namespace cairn {

void UndoHistoryDeleter::operator()(UndoHistory* history) const { delete history; }

// --- UndoStep ---

UndoRecord& UndoStep::Add() {
  if (used_ == records_.size()) records_.emplace_back();
  trimmed_ = false;  // the caller fills the record: its buffers may grow
  UndoRecord& r = records_[used_++];
  r.key.clear();
  r.value.clear();
  r.expire_at_ms = 0;
  r.present = false;
  r.state_version = 0;
  r.expect_version = 0;
  return r;
}

void UndoStep::Reset() {
  if (!trimmed_) {  // a second Reset without an Add in between has nothing to check
    size_t retained = records_.capacity() * sizeof(UndoRecord);
    for (const UndoRecord& r : records_) retained += r.key.capacity() + r.value.capacity();
    if (retained > UndoHistory::kKeepBytes) std::vector<UndoRecord>().swap(records_);
    trimmed_ = true;
  }
  used_ = 0;
  accounted_ = 0;
}

uint64_t UndoStep::Bytes() const {
  uint64_t total = 0;
  for (const UndoRecord& r : records()) {
    total += UndoHistory::RecordCost(r.key.size(), r.present ? r.value.size() : 0);
  }
  return total;
}

// --- UndoHistory ---

void UndoHistory::CommitPending(size_t depth, uint64_t max_bytes) {
  const uint64_t cost = pending_.Bytes();
  if (depth == 0 || cost > max_bytes) {
    Clear();
    pending_.Reset();
    return;
  }
  while (size_ > cursor_) DropNewest();  // a new write forgets what could be redone
  while (size_ >= depth) DropOldest();
  if (slots_.size() > depth) {
    Reshape(depth);
  } else if (size_ == slots_.size()) {
    Reshape(std::min(depth, std::max<size_t>(4, slots_.size() * 2)));
  }
  UndoStep& slot = At(size_);
  std::swap(slot, pending_);  // pending_ inherits the slot's buffers for the next write
  pending_.Reset();
  slot.accounted_ = cost;
  bytes_ += cost;
  ++size_;
  cursor_ = size_;
  Trim(max_bytes);
}

void UndoHistory::Clear() {
  while (size_ > 0) DropNewest();
  head_ = 0;
}

UndoStep& UndoHistory::Next(UndoSide side, size_t i) {
  return side == UndoSide::kUndo ? At(cursor_ - 1 - i) : At(cursor_ + i);
}

void UndoHistory::Advance(UndoSide side) {
  UndoStep& step = Next(side);
  cursor_ = side == UndoSide::kUndo ? cursor_ - 1 : cursor_ + 1;
  bytes_ -= step.accounted_;
  step.accounted_ = step.Bytes();
  bytes_ += step.accounted_;
}

void UndoHistory::Relink(UndoSide side, std::string_view key, uint64_t from, uint64_t to) {
  const size_t n = available(side);
  for (size_t i = 0; i < n; ++i) {
    for (UndoRecord& r : Next(side, i).records()) {
      if (r.key != key) continue;
      if (r.expect_version == from) r.expect_version = to;
      return;
    }
  }
}

void UndoHistory::Trim(uint64_t max_bytes) {
  while (bytes_ > max_bytes && size_ > 0) {
    if (cursor_ > 0) {
      DropOldest();
    } else {
      DropNewest();
    }
  }
}

void UndoHistory::DropOldest() {
  UndoStep& step = At(0);
  bytes_ -= step.accounted_;
  step.Reset();
  head_ = (head_ + 1) % slots_.size();
  --size_;
  if (cursor_ > 0) --cursor_;
}

void UndoHistory::DropNewest() {
  UndoStep& step = At(size_ - 1);
  bytes_ -= step.accounted_;
  step.Reset();
  --size_;
  cursor_ = std::min(cursor_, size_);
}

void UndoHistory::Reshape(size_t slots) {
  if (!slots_.empty()) {
    std::rotate(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_), slots_.end());
  }
  head_ = 0;
  slots_.resize(slots);
}

}  // namespace cairn
