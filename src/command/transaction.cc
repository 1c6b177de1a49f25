#include "transaction.h"

#include "cairn/cache/cache_manager.h"

namespace cairn {

void TransactionDeleter::operator()(Transaction* tx) const { delete tx; }

namespace {
// What one queued argument costs against the bound: its bytes and its length slot.
constexpr uint64_t kArgOverhead = sizeof(uint32_t);
}  // namespace

bool Transaction::Queue(Args args, uint64_t max_bytes) {
  uint64_t bytes = sizeof(uint32_t);
  for (std::string_view a : args) bytes += a.size() + kArgOverhead;
  const uint64_t used = arena_.size() + (lens_.size() + argcs_.size()) * kArgOverhead;
  if (used + bytes > max_bytes) return false;
  for (std::string_view a : args) {
    arena_.append(a);
    lens_.push_back(static_cast<uint32_t>(a.size()));
  }
  argcs_.push_back(static_cast<uint32_t>(args.size()));
  return true;
}

std::vector<std::vector<std::string_view>> Transaction::Commands() const {
  std::vector<std::vector<std::string_view>> out(argcs_.size());
  size_t off = 0;
  size_t arg = 0;
  for (size_t c = 0; c < argcs_.size(); ++c) {
    out[c].reserve(argcs_[c]);
    for (uint32_t i = 0; i < argcs_[c]; ++i, ++arg) {
      out[c].emplace_back(arena_.data() + off, lens_[arg]);
      off += lens_[arg];
    }
  }
  return out;
}

void Transaction::ClearQueue() {
  arena_.clear();
  lens_.clear();
  argcs_.clear();
  aborted_ = false;
  may_grow_ = false;
  if (arena_.capacity() > (1u << 20)) std::string().swap(arena_);
}

void Transaction::Watch(std::string_view key) {
  if (!watched_.emplace(key).second) return;
  cache_.Watch(key, &ticket_);
}

void Transaction::UnwatchAll() {
  for (const std::string& key : watched_) cache_.Unwatch(key, &ticket_);
  watched_.clear();
  ticket_.dirty.store(false, std::memory_order_relaxed);
}

bool Transaction::WatchedKeyChanged() {
  for (const std::string& key : watched_) cache_.Peek(key, [](const Entry&) {});
  return ticket_.dirty.load(std::memory_order_relaxed);
}

}  // namespace cairn
