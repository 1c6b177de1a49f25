#include "arc.h"

#include <algorithm>

#include "cairn/common/hash.h"

namespace cairn {

void ArcPolicy::Push(Entry& e, uint8_t list) {
  ++work_;
  eviction::SetTag(e, list);
  if (list == kT2) {
    t2_.PushBack(e);
    ++t2_n_;
  } else {
    t1_.PushBack(e);
    ++t1_n_;
  }
}

void ArcPolicy::Unlink(Entry& e) {
  ++work_;
  if (eviction::Tag(e) == kT2) {
    t2_.Remove(e);
    --t2_n_;
  } else {
    t1_.Remove(e);
    --t1_n_;
  }
}

void ArcPolicy::OnInsert(Entry& e) {
  uint64_t h = KeyHash(e);
  size_t b1 = ghost_.size(kB1);
  size_t b2 = ghost_.size(kB2);
  switch (ghost_.Remove(h)) {
    case kB1: {
      double delta = std::max(1.0, static_cast<double>(b2) / static_cast<double>(b1));
      p_ = std::min(static_cast<double>(c_), p_ + delta);
      Push(e, kT2);
      break;
    }
    case kB2: {
      double delta = std::max(1.0, static_cast<double>(b1) / static_cast<double>(b2));
      p_ = std::max(0.0, p_ - delta);
      Push(e, kT2);
      break;
    }
    default:
      Push(e, kT1);
  }
  TrimGhosts();  // the new resident entry may push |T1| + |B1| past c
}

void ArcPolicy::OnAccess(Entry& e) {
  if (eviction::Tag(e) == kT2) {
    ++work_;
    t2_.MoveToBack(e);
    return;
  }
  Unlink(e);
  Push(e, kT2);
}

void ArcPolicy::OnErase(Entry& e) {
  Unlink(e);
  if (&e != pending_victim_) return;
  pending_victim_ = nullptr;
  // Not a ghost: OnInsert removed it from B1/B2.
  ghost_.Append(eviction::Tag(e) == kT2 ? kB2 : kB1, KeyHash(e));
  TrimGhosts();
}

void ArcPolicy::TrimGhosts() {
  while (ghost_.size(kB1) > 0 && t1_n_ + ghost_.size(kB1) > c_) ghost_.PopFront(kB1);
  while (ghost_.size(kB2) > 0 && t1_n_ + t2_n_ + ghost_.total() > 2 * c_) ghost_.PopFront(kB2);
  while (ghost_.size(kB1) > 0 && t1_n_ + t2_n_ + ghost_.total() > 2 * c_) ghost_.PopFront(kB1);
}

void ArcPolicy::OnReplace(Entry& old, Entry& fresh) {
  ++work_;
  fresh.policy_tag = old.policy_tag;
  (eviction::Tag(old) == kT2 ? t2_ : t1_).Replace(old, fresh);
  if (pending_victim_ == &old) pending_victim_ = &fresh;
}

Entry* ArcPolicy::PickVictim(uint32_t /*now_s*/) {
  c_ = t1_n_ + t2_n_;
  p_ = std::min(p_, static_cast<double>(c_));
  Entry* victim = nullptr;
  if (t1_n_ > 0 && (static_cast<double>(t1_n_) > p_ || t2_n_ == 0)) {
    victim = t1_.front();
  } else {
    victim = t2_.front();
  }
  if (victim != nullptr) ++work_;
  pending_victim_ = victim;
  return victim;
}

void ArcPolicy::Clear() {
  t1_.Clear();
  t2_.Clear();
  t1_n_ = t2_n_ = 0;
  ghost_.Reset();
  p_ = 0;
  c_ = 0;
  pending_victim_ = nullptr;
}

std::unique_ptr<EvictionPolicy> MakeArcPolicy() { return std::make_unique<ArcPolicy>(); }

}  // namespace cairn
