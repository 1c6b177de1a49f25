#include "lfu.h"

#include <bit>

namespace cairn {

LfuPolicy::LfuPolicy(int decay_minutes, int aging_steps)
    : decay_minutes_(decay_minutes), aging_steps_(aging_steps) {}

void LfuPolicy::Link(Entry& e, uint8_t b, bool cold_end) {
  ++work_;
  if (cold_end) {
    buckets_[b].PushFront(e);
  } else {
    buckets_[b].PushBack(e);
  }
  e.policy_tag = b;
  occupied_[b >> 6] |= uint64_t{1} << (b & 63);
}

void LfuPolicy::Unlink(Entry& e) {
  ++work_;
  uint8_t b = e.policy_tag;
  buckets_[b].Remove(e);
  if (buckets_[b].empty()) occupied_[b >> 6] &= ~(uint64_t{1} << (b & 63));
}

int LfuPolicy::FindOccupied(int from) const {
  if (from >= kBuckets) return -1;
  int w = from >> 6;
  uint64_t bits = occupied_[w] & (~uint64_t{0} << (from & 63));
  while (bits == 0) {
    if (++w == kWords) return -1;
    bits = occupied_[w];
  }
  return w * 64 + std::countr_zero(bits);
}

void LfuPolicy::OnInsert(Entry& e) { Link(e, e.freq(), /*cold_end=*/false); }

void LfuPolicy::OnAccess(Entry& e) {
  if (e.policy_tag == e.freq()) {
    ++work_;
    buckets_[e.policy_tag].MoveToBack(e);
    return;
  }
  Unlink(e);
  Link(e, e.freq(), /*cold_end=*/false);
}

void LfuPolicy::OnErase(Entry& e) { Unlink(e); }

void LfuPolicy::OnReplace(Entry& old, Entry& fresh) {
  ++work_;
  buckets_[old.policy_tag].Replace(old, fresh);
  fresh.policy_tag = old.policy_tag;
}

void LfuPolicy::AgeOne(uint32_t now_s) {
  int b = FindOccupied(age_cursor_);
  if (b < 0) b = FindOccupied(1);  // wrap around; bucket 0 cannot decay
  if (b < 0) return;
  age_cursor_ = b + 1;
  Entry& e = *buckets_[b].front();
  ++work_;
  uint8_t decayed = lfu::Decay(e.freq(), e.last_access_s(), now_s, decay_minutes_);
  if (decayed < b) {
    Unlink(e);
    // An aged entry goes to the hot end only if it is at least as fresh as everything in the
    // target bucket; otherwise to the cold end (see the essay in lfu.h).
    const Entry* hot = buckets_[decayed].back();
    bool cold_end = hot == nullptr || e.last_access_s() < hot->last_access_s();
    Link(e, decayed, cold_end);
  }
}

Entry* LfuPolicy::PickVictim(uint32_t now_s) {
  if (decay_minutes_ > 0) {
    for (int i = 0; i < aging_steps_; ++i) AgeOne(now_s);
  }
  int b = FindOccupied(0);
  if (b < 0) return nullptr;
  ++work_;
  return buckets_[b].front();
}

void LfuPolicy::Clear() {
  for (auto& bucket : buckets_) bucket.Clear();
  occupied_.fill(0);
  age_cursor_ = 1;
}

std::unique_ptr<EvictionPolicy> MakeLfuPolicy() { return std::make_unique<LfuPolicy>(); }

}  // namespace cairn
