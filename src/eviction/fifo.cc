#include "fifo.h"

namespace cairn {

void FifoPolicy::OnInsert(Entry& e) {
  ++work_;
  queue_.PushBack(e);
}

void FifoPolicy::OnAccess(Entry& /*e*/) {}

void FifoPolicy::OnErase(Entry& e) {
  ++work_;
  queue_.Remove(e);
}

void FifoPolicy::OnReplace(Entry& old, Entry& fresh) {
  ++work_;
  queue_.Replace(old, fresh);
}

Entry* FifoPolicy::PickVictim(uint32_t /*now_s*/) {
  Entry* victim = queue_.front();
  if (victim != nullptr) ++work_;
  return victim;
}

void FifoPolicy::Clear() { queue_.Clear(); }

std::unique_ptr<EvictionPolicy> MakeFifoPolicy() { return std::make_unique<FifoPolicy>(); }

}  // namespace cairn
