#include "sieve.h"

namespace cairn {

void SievePolicy::OnInsert(Entry& e) {
  ++work_;
  eviction::SetTag(e, 0);
  queue_.PushBack(e);
}

void SievePolicy::OnAccess(Entry& e) { e.policy_tag |= kVisited; }  // bit 0 only

void SievePolicy::OnErase(Entry& e) {
  ++work_;
  if (hand_ == &e) hand_ = e.next;  // the newer neighbour; nullptr wraps to the oldest
  queue_.Remove(e);
}

void SievePolicy::OnReplace(Entry& old, Entry& fresh) {
  ++work_;
  if (hand_ == &old) hand_ = &fresh;
  fresh.policy_tag = old.policy_tag;  // all bits, owner included
  queue_.Replace(old, fresh);
}

Entry* SievePolicy::PickVictim(uint32_t /*now_s*/) {
  Entry* e = hand_ != nullptr ? hand_ : queue_.front();
  if (e == nullptr) return nullptr;
  for (int i = 0; i < kMaxScan && (e->policy_tag & kVisited) != 0; ++i) {
    ++work_;
    e->policy_tag &= static_cast<uint8_t>(~kVisited);
    e = e->next != nullptr ? e->next : queue_.front();
  }
  ++work_;
  hand_ = e;
  return e;
}

void SievePolicy::Clear() {
  queue_.Clear();
  hand_ = nullptr;
}

std::unique_ptr<EvictionPolicy> MakeSievePolicy() { return std::make_unique<SievePolicy>(); }

}  // namespace cairn
