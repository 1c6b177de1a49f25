#include "slru.h"

namespace cairn {

void SlruPolicy::OnInsert(Entry& e) {
  ++work_;
  eviction::SetTag(e, kProbation);
  probation_.PushBack(e);
  ++probation_n_;
}

void SlruPolicy::OnAccess(Entry& e) {
  ++work_;
  if (eviction::Tag(e) == kProtected) {
    protected_.MoveToBack(e);
    return;
  }
  probation_.Remove(e);
  --probation_n_;
  eviction::SetTag(e, kProtected);
  protected_.PushBack(e);
  ++protected_n_;
  size_t total = probation_n_ + protected_n_;
  if (protected_n_ * 100 > total * kProtectedPercent) {
    ++work_;
    Entry& demoted = *protected_.front();
    protected_.Remove(demoted);
    --protected_n_;
    eviction::SetTag(demoted, kProbation);
    probation_.PushBack(demoted);
    ++probation_n_;
  }
}

void SlruPolicy::OnErase(Entry& e) {
  ++work_;
  list(eviction::Tag(e)).Remove(e);
  if (eviction::Tag(e) == kProtected) {
    --protected_n_;
  } else {
    --probation_n_;
  }
}

void SlruPolicy::OnReplace(Entry& old, Entry& fresh) {
  ++work_;
  fresh.policy_tag = old.policy_tag;
  list(eviction::Tag(old)).Replace(old, fresh);
}

Entry* SlruPolicy::PickVictim(uint32_t /*now_s*/) {
  Entry* victim = probation_.empty() ? protected_.front() : probation_.front();
  if (victim != nullptr) ++work_;
  return victim;
}

void SlruPolicy::Clear() {
  probation_.Clear();
  protected_.Clear();
  probation_n_ = protected_n_ = 0;
}

std::unique_ptr<EvictionPolicy> MakeSlruPolicy() { return std::make_unique<SlruPolicy>(); }

}  // namespace cairn
