#include "gdsf.h"

#include <algorithm>

#include "cairn/eviction/lfu_counter.h"
#include "policy_tag.h"

namespace cairn {

void GdsfPolicy::Place(Entry& e) {
  const uint64_t charge = e.charge();
  const uint64_t f = 1 + (e.freq() > lfu::kInitVal ? e.freq() - lfu::kInitVal : 0);
  const uint64_t mean = std::max<uint64_t>(1, charge_sum_ / std::max<size_t>(1, count_));
  const uint64_t v = std::clamp<uint64_t>(f * kMeanBuckets * mean / charge, 1, kBuckets - 1);
  const auto slot = static_cast<uint8_t>((base_ + v) & (kBuckets - 1));
  eviction::SetTag(e, slot);
  ring_[slot].PushBack(e);
}

void GdsfPolicy::OnInsert(Entry& e) {
  ++work_;
  ++count_;
  charge_sum_ += e.charge();
  Place(e);
}

void GdsfPolicy::OnAccess(Entry& e) {
  ++work_;
  ring_[eviction::Tag(e)].Remove(e);
  Place(e);
}

void GdsfPolicy::OnErase(Entry& e) {
  ++work_;
  ring_[eviction::Tag(e)].Remove(e);
  --count_;
  charge_sum_ -= e.charge();
}

void GdsfPolicy::OnReplace(Entry& old, Entry& fresh) {
  ++work_;
  eviction::SetTag(fresh, eviction::Tag(old));
  ring_[eviction::Tag(old)].Replace(old, fresh);
  charge_sum_ += fresh.charge();
  charge_sum_ -= old.charge();
}

void GdsfPolicy::OnResize(Entry& e, size_t old_charge) {
  charge_sum_ += e.charge();
  charge_sum_ -= old_charge;
}

Entry* GdsfPolicy::PickVictim(uint32_t /*now_s*/) {
  if (count_ == 0) return nullptr;
  while (ring_[base_ & (kBuckets - 1)].empty()) {
    ++work_;
    ++base_;
  }
  ++work_;
  return ring_[base_ & (kBuckets - 1)].front();
}

void GdsfPolicy::Clear() {
  for (auto& list : ring_) list.Clear();
  base_ = 0;
  count_ = 0;
  charge_sum_ = 0;
}

std::unique_ptr<EvictionPolicy> MakeGdsfPolicy() { return std::make_unique<GdsfPolicy>(); }

}  // namespace cairn
