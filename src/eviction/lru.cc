#include "lru.h"

namespace cairn {

void LruPolicy::OnInsert(Entry& e) {
  ++work_;
  list_.PushBack(e);
}

void LruPolicy::OnAccess(Entry& e) {
  ++work_;
  list_.MoveToBack(e);
}

void LruPolicy::OnErase(Entry& e) {
  ++work_;
  list_.Remove(e);
}

void LruPolicy::OnReplace(Entry& old, Entry& fresh) {
  ++work_;
  list_.Replace(old, fresh);
}

Entry* LruPolicy::PickVictim(uint32_t /*now_s*/) {
  Entry* victim = list_.front();
  if (victim != nullptr) ++work_;
  return victim;
}

void LruPolicy::Clear() { list_.Clear(); }

std::unique_ptr<EvictionPolicy> MakeLruPolicy() { return std::make_unique<LruPolicy>(); }

}  // namespace cairn
