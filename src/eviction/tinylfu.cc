#include "tinylfu.h"

#include <algorithm>
#include <cmath>

#include "cairn/common/hash.h"
#include "cairn/eviction/lfu_counter.h"

namespace cairn {

TinyLfuPolicy::TinyLfuPolicy(bool adaptive, double window, size_t sample_factor)
    : sketch_(sample_factor),
      adaptive_(adaptive),
      initial_window_(window),
      window_(window),
      step_(-kStepPercent) {}

eviction::IntrusiveList& TinyLfuPolicy::List(uint8_t s) {
  switch (s) {
    case kProbation:
      return probation_;
    case kProtected:
      return protected_;
    default:
      return window_list_;
  }
}

size_t& TinyLfuPolicy::Count(uint8_t s) {
  switch (s) {
    case kProbation:
      return probation_n_;
    case kProtected:
      return protected_n_;
    default:
      return window_n_;
  }
}

void TinyLfuPolicy::Push(Entry& e, Segment s) {
  ++work_;
  eviction::SetTag(e, s);
  List(s).PushBack(e);
  ++Count(s);
}

void TinyLfuPolicy::Unlink(Entry& e) {
  ++work_;
  List(eviction::Tag(e)).Remove(e);
  --Count(eviction::Tag(e));
}

Entry* TinyLfuPolicy::SpillWindow() {
  Entry* e = window_list_.front();
  Unlink(*e);
  Push(*e, kProbation);
  return e;
}

void TinyLfuPolicy::OnInsert(Entry& e) {
  SettleStandby();
  uint64_t h = KeyHash(e);
  sketch_.EnsureCapacity(total() + 1);
  sketch_.Increment(h);
  ++misses_;
  Push(e, kWindow);
  size_t window_max = WindowMax();
  if (window_n_ > window_max) {
    candidate_ = SpillWindow();
    if (window_n_ > window_max) SpillWindow();  // the window is shrinking
  } else {
    // The window is growing (Caffeine's increaseWindow): take main's LRU entries.
    for (int i = 0; i < 2 && window_n_ < window_max; ++i) {
      Entry* from = probation_.front() != nullptr ? probation_.front() : protected_.front();
      if (from == nullptr) break;
      if (from == candidate_) candidate_ = nullptr;
      Unlink(*from);
      Push(*from, kWindow);
    }
  }
  Climb();
}

void TinyLfuPolicy::OnAccess(Entry& e) {
  SettleStandby();
  sketch_.Increment(KeyHash(e));
  ++hits_;
  if (eviction::Tag(e) != kProbation) {
    ++work_;
    List(eviction::Tag(e)).MoveToBack(e);
  } else {
    if (candidate_ == &e) candidate_ = nullptr;
    Unlink(e);
    Push(e, kProtected);
    size_t main = probation_n_ + protected_n_;
    if (protected_n_ * 100 > main * kProtectedPercent) {
      Entry& demoted = *protected_.front();
      Unlink(demoted);
      Push(demoted, kProbation);
    }
  }
  Climb();
}

void TinyLfuPolicy::OnErase(Entry& e) {
  Unlink(e);
  if (candidate_ == &e) candidate_ = nullptr;
}

void TinyLfuPolicy::OnReplace(Entry& old, Entry& fresh) {
  ++work_;
  fresh.policy_tag = old.policy_tag;
  List(eviction::Tag(old)).Replace(old, fresh);
  if (candidate_ == &old) candidate_ = &fresh;
}

Entry* TinyLfuPolicy::PickVictim(uint32_t /*now_s*/) {
  SettleStandby();
  Entry* victim = probation_.front();
  if (victim == nullptr) victim = protected_.front();
  if (victim == nullptr) victim = window_list_.front();
  if (victim == nullptr) return nullptr;
  ++work_;
  // The candidate is the entry the last insert pushed out of the window; once it is judged (or
  // when several victims are needed for one insert), the window's LRU entry, as in Caffeine's
  // evictFromMain: every eviction from a full main space is a frequency comparison.
  Entry* candidate = candidate_ != nullptr ? candidate_ : window_list_.front();
  if (candidate == nullptr || candidate == victim || eviction::Tag(*victim) == kWindow) {
    return victim;
  }
  ++work_;
  int candidate_freq = sketch_.Frequency(HashKey(candidate->key()));
  int victim_freq = sketch_.Frequency(HashKey(victim->key()));
  bool admit = candidate_freq > victim_freq ||
               (candidate_freq >= kHashDosThreshold && (lfu::NextUnit(rng_) < 1.0 / 128));
  if (admit) {
    candidate_ = nullptr;  // judged: stays in probation like any other entry
    return victim;
  }
  return candidate;
}

void TinyLfuPolicy::Climb() {
  if (!adaptive_) return;
  uint64_t requests = hits_ + misses_;
  if (requests < 10 * std::max<size_t>(total(), 64)) return;
  double hit_rate = static_cast<double>(hits_) / static_cast<double>(requests);
  double change = hit_rate - previous_hit_rate_;
  double amount = change >= 0 ? step_ : -step_;
  step_ = std::abs(change) >= kRestartThreshold ? (amount >= 0 ? kStepPercent : -kStepPercent)
                                                : kStepDecay * amount;
  previous_hit_rate_ = hit_rate;
  window_ = std::clamp(window_ + amount, 0.0, kMaxWindow);
  hits_ = misses_ = 0;
}

// The increment is staged (kStandbyStage); the counts are what immediate increments would give
// by the time anything reads them. A growth of the sketch starts its counts afresh, so the
// increments staged before it are applied to the old table first, as they would have been.
void TinyLfuPolicy::OnStandby(uint64_t key_hash, size_t resident) {
  if (resident > sketch_.capacity()) {
    SettleStandby();
    sketch_.EnsureCapacity(resident);
  }
  standby_[standby_n_++] = key_hash;
  if (standby_n_ == kStandbyStage) SettleStandbySlow();
}

void TinyLfuPolicy::SettleStandbySlow() {
  for (int i = 0; i < standby_n_; ++i) sketch_.Prefetch(standby_[i]);
  for (int i = 0; i < standby_n_; ++i) sketch_.Increment(standby_[i]);
  standby_n_ = 0;
}

void TinyLfuPolicy::Clear() {
  standby_n_ = 0;
  window_list_.Clear();
  probation_.Clear();
  protected_.Clear();
  window_n_ = probation_n_ = protected_n_ = 0;
  sketch_.Reset();
  candidate_ = nullptr;
  window_ = initial_window_;
  step_ = -kStepPercent;
  previous_hit_rate_ = 0;
  hits_ = misses_ = 0;
}

std::unique_ptr<EvictionPolicy> MakeTinyLfuPolicy() { return std::make_unique<TinyLfuPolicy>(); }

}  // namespace cairn
