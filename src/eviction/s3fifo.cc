#include "s3fifo.h"

#include "cairn/common/hash.h"

namespace cairn {

void S3FifoPolicy::PushSmall(Entry& e) {
  ++work_;
  SetState(e, false, 0);
  small_.PushBack(e);
  ++small_n_;
}

void S3FifoPolicy::PushMain(Entry& e) {
  ++work_;
  SetState(e, true, 0);
  main_.PushBack(e);
  ++main_n_;
}

void S3FifoPolicy::Unlink(Entry& e) {
  ++work_;
  if (InMain(e)) {
    main_.Remove(e);
    --main_n_;
  } else {
    small_.Remove(e);
    --small_n_;
  }
}

void S3FifoPolicy::OnInsert(Entry& e) {
  Settle();
  if (!evicted_ && small_n_ > 0 && SmallOverShare()) {
    PushMain(e);  // still filling: S has its share, so fill M directly
  } else {
    PushSmall(e);
  }
  pending_insert_ = &e;
  pending_hash_ = KeyHash(e);
  ghost_.Prefetch(pending_hash_);
}

void S3FifoPolicy::SettleSlow() {
  Entry& e = *pending_insert_;
  pending_insert_ = nullptr;
  // The limit as it was at the insert: the resident count then, plus this entry.
  size_t limit = (small_n_ + main_n_) * kGhostPercent / 100;
  if (ghost_.Take(pending_hash_, limit) && !InMain(e)) {  // a ghost: straight to M
    Unlink(e);
    PushMain(e);
  }
}

void S3FifoPolicy::OnAccess(Entry& e) {
  Settle();
  if (Freq(e) < kFreqMask) ++e.policy_tag;  // bits 0-1 only: no carry past 3
}

void S3FifoPolicy::OnErase(Entry& e) {
  Settle();
  Unlink(e);
  if (&e != pending_victim_) return;
  pending_victim_ = nullptr;
  if (InMain(e)) return;
  ghost_.Push(KeyHash(e), GhostLimit());  // the oldest ghosts age out by themselves
}

void S3FifoPolicy::OnReplace(Entry& old, Entry& fresh) {
  Settle();
  ++work_;
  fresh.policy_tag = old.policy_tag;
  (InMain(old) ? main_ : small_).Replace(old, fresh);
  if (pending_victim_ == &old) pending_victim_ = &fresh;
}

Entry* S3FifoPolicy::PickVictim(uint32_t /*now_s*/) {
  Settle();
  evicted_ = true;
  int budget = kMaxScan;
  if (small_n_ > 0 && (main_n_ == 0 || SmallOverShare())) {
    // Evict from S: promote what was hit enough, until an entry that was not.
    while (Entry* e = small_.front()) {
      if (Freq(*e) < threshold_ || budget-- == 0) {
        ++work_;
        pending_victim_ = e;
        return e;
      }
      Unlink(*e);
      PushMain(*e);  // promoted, counter reset
    }
  }
  // Evict from M: reinsert (CLOCK) while the counter is positive.
  while (Entry* e = main_.front()) {
    if (Freq(*e) == 0 || budget-- == 0) {
      ++work_;
      pending_victim_ = nullptr;
      return e;
    }
    ++work_;
    main_.MoveToBack(*e);
    SetState(*e, true, Freq(*e) - 1);
  }
  return nullptr;
}

void S3FifoPolicy::Clear() {
  small_.Clear();
  main_.Clear();
  small_n_ = main_n_ = 0;
  ghost_.Reset();
  pending_victim_ = nullptr;
  pending_insert_ = nullptr;
  evicted_ = false;
}

std::unique_ptr<EvictionPolicy> MakeS3FifoPolicy() { return std::make_unique<S3FifoPolicy>(); }

}  // namespace cairn
