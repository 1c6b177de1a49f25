#include "adaptive.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "arc.h"
#include "cairn/common/hash.h"
#include "gdsf.h"
#include "lru.h"
#include "policy_tag.h"
#include "s3fifo.h"
#include "tinylfu.h"

namespace cairn {
namespace {

// Sampling uses a remix of the key hash: the shard routes by the hash's top bits (constant
// within a shard) and the experts' tables use its low bits.
uint64_t Remix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

}  // namespace

std::vector<AdaptivePolicy::Expert> AdaptivePolicy::DefaultExperts() {
  return {
      {"s3fifo", [] { return std::make_unique<S3FifoPolicy>(); }},
      {"tinylfu", [] { return std::make_unique<TinyLfuPolicy>(/*adaptive=*/false); }, true},
      {"arc", [] { return std::make_unique<ArcPolicy>(); }},
      {"lru", [] { return std::make_unique<LruPolicy>(); }, false, /*floor=*/true},
      {"gdsf", [] { return std::make_unique<GdsfPolicy>(); }, false, false, /*bytes_only=*/true},
  };
}

AdaptivePolicy::AdaptivePolicy(std::vector<Expert> experts, Tuning tuning)
    : experts_(std::move(experts)), tuning_(tuning) {
  active_ = experts_[0].make();
  for (const Expert& x : experts_) {
    shadows_.push_back(std::make_unique<eviction::ShadowCache>(x.make()));
  }
  MeasureShadows();
  epoch_hits_.assign(experts_.size(), 0);
  parked_.resize(experts_.size());
  for (size_t i = 1; i < experts_.size(); ++i) {
    if (experts_[i].standby) parked_[i] = experts_[i].make();
  }
  NoteParked();
  scores_.assign(experts_.size(), 0);
}

// The parked experts change only at a switch or the end of a drain; Observe walks this short
// list of them rather than parked_ (one slot per expert) on every request.
void AdaptivePolicy::NoteParked() {
  standby_.clear();
  for (auto& p : parked_) {
    if (p != nullptr) standby_.push_back(p.get());
  }
  MeasureParked();
}

// A parked expert's metadata grows only in OnStandby, with the resident count it is told (a
// sketch sized for the cache): re-measured when that count passes the largest one measured,
// so MetadataBytes, which the shard reads before every eviction under a byte limit, adds a
// cached figure.
void AdaptivePolicy::MeasureParked() {
  parked_bytes_ = 0;
  for (const EvictionPolicy* p : standby_) parked_bytes_ += p->MetadataBytes();
  parked_measured_c_ = active_n_ + draining_n_;
}

AdaptivePolicy::~AdaptivePolicy() = default;

bool AdaptivePolicy::Owned(const Entry& e) const { return eviction::OwnerBit(e) == parity_; }

bool AdaptivePolicy::Sampled(uint64_t hash) const {
  return rate_ != 0 && (Remix(hash) & (rate_ - 1)) == 0;
}

// Adds the work an inner policy does during `call` to this policy's count.
template <typename Call>
void AdaptivePolicy::Metered(const EvictionPolicy& inner, Call&& call) {
  uint64_t before = inner.work();
  call();
  work_ += inner.work() - before;
}

// Metered, passing this call's hash hint (EvictionPolicy::HintHash) on to the inner policy.
template <typename Call>
void AdaptivePolicy::Delegate(EvictionPolicy& inner, const Entry& e, Call&& call) {
  if (!HasHint(e)) {
    Metered(inner, call);
    return;
  }
  ScopedHashHint hint(inner, e, KeyHash(e));
  Metered(inner, call);
}

void AdaptivePolicy::OnInsert(Entry& e) {
  eviction::SetOwnerBit(e, parity_);
  Delegate(*active_, e, [&] { active_->OnInsert(e); });
  ++active_n_;
  resident_bytes_ += e.charge();
  Observe(KeyHash(e), e.charge(), false);
  if (draining_ != nullptr) MigrateSome();
}

void AdaptivePolicy::OnAccess(Entry& e) {
  EvictionPolicy& owner = OwnerOf(e);
  Delegate(owner, e, [&] { owner.OnAccess(e); });
  Observe(KeyHash(e), e.charge(), true);
  if (draining_ != nullptr) MigrateSome();
}

void AdaptivePolicy::OnErase(Entry& e) {
  if (Owned(e)) {
    Delegate(*active_, e, [&] { active_->OnErase(e); });
    --active_n_;
  } else {
    Delegate(*draining_, e, [&] { draining_->OnErase(e); });
    --draining_n_;
  }
  resident_bytes_ -= e.charge();
  if (&e == pending_victim_) {
    pending_victim_ = nullptr;  // an eviction: the shadows evict on their own
  } else if (rate_ != 0) {
    uint64_t h = KeyHash(e);
    if (Sampled(h)) {
      for (auto& s : shadows_) Metered(s->policy(), [&] { s->Erase(h); });
    }
  }
  if (draining_ != nullptr && draining_n_ == 0) FinishDrain();
}

void AdaptivePolicy::OnReplace(Entry& old, Entry& fresh) {
  fresh.policy_tag = old.policy_tag;  // owner bit (experts that ignore the tag keep it)
  EvictionPolicy& owner = OwnerOf(old);
  Metered(owner, [&] { owner.OnReplace(old, fresh); });
  resident_bytes_ += fresh.charge();
  resident_bytes_ -= old.charge();
  if (pending_victim_ == &old) pending_victim_ = &fresh;
}

void AdaptivePolicy::OnResize(Entry& e, size_t old_charge) {
  EvictionPolicy& owner = OwnerOf(e);
  Metered(owner, [&] { owner.OnResize(e, old_charge); });
  resident_bytes_ += e.charge();
  resident_bytes_ -= old_charge;
}

Entry* AdaptivePolicy::PickVictim(uint32_t now_s) {
  last_now_s_ = now_s;
  NotePick(active_n_ + draining_n_);
  MaybeResizeShadows();
  EvictionPolicy& source = draining_n_ > 0 ? *draining_ : *active_;
  Entry* victim = nullptr;
  Metered(source, [&] { victim = source.PickVictim(now_s); });
  pending_victim_ = victim;
  return victim;
}

// A cache limited by entries (max-items) evicts at the same resident count every time (one
// victim per insert); one limited by bytes (maxmemory) with values of different sizes evicts at
// a count that varies (a large insert takes several victims, a small one may take none). Over
// windows of 256 victims: more than a quarter at a count other than the previous victim's, and
// the cache is taken to be limited by bytes; fewer than 1/16, by entries (the gap between the two
// keeps a borderline cache from flipping, each flip resetting the shadows). A byte-limited cache
// whose values all have one size looks limited by entries, which is what it is to a policy.
// O(1): one comparison per victim.
void AdaptivePolicy::NotePick(size_t c) {
  // Told the limit (OnLimit), a victim for max-items never counts, whatever the count did.
  if (c != last_pick_c_ && (!limit_told_ || limit_bytes_)) ++varied_picks_;
  last_pick_c_ = c;
  if (++picks_ < 256) return;
  const bool by_bytes = by_bytes_ ? varied_picks_ * 16 > picks_ : varied_picks_ * 4 > picks_;
  picks_ = varied_picks_ = 0;
  if (by_bytes == by_bytes_) return;
  by_bytes_ = by_bytes;
  mode_changed_ = true;  // the shadows' capacities change meaning: resize them now
}

void AdaptivePolicy::MaybeResizeShadows() {
  size_t c = active_n_ + draining_n_;
  if (c == 0) return;
  // Re-evaluated only once c has moved by 1/8 since the last evaluation (no sqrt per eviction).
  if (rate_ != 0 && !mode_changed_ && c >= checked_c_ - checked_c_ / 8 &&
      c <= checked_c_ + checked_c_ / 8) {
    return;
  }
  checked_c_ = c;
  // Shadows of about shadow_sqrt x sqrt(c) entries, at least shadow_entries (or c).
  size_t by_sqrt = static_cast<size_t>(std::sqrt(static_cast<double>(c))) / tuning_.shadow_sqrt;
  size_t by_min = c / tuning_.shadow_entries;
  size_t rate =
      std::max(tuning_.min_rate, std::bit_floor(std::max<size_t>(1, std::min(by_sqrt, by_min))));
  size_t capacity = std::max<size_t>(1, c / rate);
  size_t current = shadow_capacity() / (by_bytes_ ? kObliviousByteBlocks : 1);
  if (!mode_changed_ && rate == rate_ && capacity <= 2 * current && 2 * capacity >= current) {
    return;
  }
  mode_changed_ = false;
  rate_ = rate;
  // Limited by bytes: each shadow holds 1/rate of the resident charge. A size-aware expert keeps
  // more, smaller entries: up to 4x the count share; a size-oblivious one keeps about the count
  // share (its victims do not depend on size), so 2x leaves it headroom without reserving
  // blocks it never fills (the blocks count against maxmemory).
  const uint64_t byte_capacity = by_bytes_ ? std::max<uint64_t>(1, resident_bytes_ / rate) : 0;
  // Fresh expert instances: a shrinking shard must not keep ghosts sized for its old capacity.
  for (size_t i = 0; i < shadows_.size(); ++i) {
    const size_t factor =
        !by_bytes_ ? 1 : (experts_[i].bytes_only ? kSizeAwareByteBlocks : kObliviousByteBlocks);
    shadows_[i]->Reset(Eligible(i) ? factor * capacity : 0, experts_[i].make(), byte_capacity);
  }
  std::fill(epoch_hits_.begin(), epoch_hits_.end(), 0);
  epoch_real_hits_ = 0;
  epoch_requests_ = 0;
  epoch_length_ = tuning_.epoch_factor * capacity;
  warmup_epochs_ = tuning_.warmup_epochs;
  StartReplay();
  MeasureShadows();
}

// While the cache fills nothing is evicted and the shadows cannot be sized, so they used to start
// empty at the first eviction and the first expert ran on for the epochs it took them to fill
// and warm up (drift at 1%: 20k requests on S3-FIFO, 8 points below LRU). Instead the fill
// phase's requests are logged (hashes sampled at 1/2^fill_shift_, the rate doubling whenever the
// log reaches kFillLogMax, so it stays bounded) and replayed into the fresh shadows after their
// first sizing, if the log's rate is at least theirs: they start with the fill phase's recency
// and frequency, as the real cache does. The replay runs kReplayStep log entries per request
// (O(1) per call), sampled requests meanwhile join the log's end, and epochs start after it.
void AdaptivePolicy::LogFill(uint64_t hash) {
  const uint64_t mask = (uint64_t{1} << fill_shift_) - 1;
  if ((Remix(hash) & mask) != 0) return;
  fill_log_.push_back(hash);
  if (fill_log_.size() < kFillLogMax) return;
  ++fill_shift_;  // amortised O(1): each doubling halves the log
  const uint64_t keep = (uint64_t{1} << fill_shift_) - 1;
  std::erase_if(fill_log_, [&](uint64_t h) { return (Remix(h) & keep) != 0; });
}

void AdaptivePolicy::StartReplay() {
  const bool first = fill_shift_ != kFillLogDone;
  const bool useful = first && (size_t{1} << fill_shift_) <= rate_ && !fill_log_.empty();
  fill_shift_ = kFillLogDone;
  replay_pos_ = 0;
  if (!useful) std::vector<uint64_t>().swap(fill_log_);  // (`= {}` would keep the capacity)
}

void AdaptivePolicy::ReplaySome(uint64_t hash) {
  if (Sampled(hash)) fill_log_.push_back(hash);
  for (size_t n = 0; n < kReplayStep && replay_pos_ < fill_log_.size(); ++n) {
    const uint64_t h = fill_log_[replay_pos_++];
    if (!Sampled(h)) continue;
    for (auto& s : shadows_) {
      if (s->capacity() != 0) Metered(s->policy(), [&] { s->Request(h, 0); });
    }
  }
  if (replay_pos_ == fill_log_.size()) {
    std::vector<uint64_t>().swap(fill_log_);
    replay_pos_ = 0;
  }
}

void AdaptivePolicy::MeasureShadows() {
  shadow_bytes_ = 0;
  for (const auto& s : shadows_) shadow_bytes_ += s->MemoryBytes();
}

void AdaptivePolicy::Observe(uint64_t hash, size_t charge, bool real_hit) {
  if (rate_ == 0) {  // the cache has not been full yet: nothing to decide; remember for later
    if (fill_shift_ != kFillLogDone) LogFill(hash);
    return;
  }
  const size_t c = active_n_ + draining_n_;
  for (EvictionPolicy* p : standby_) Metered(*p, [&] { p->OnStandby(hash, c); });
  if (c > parked_measured_c_ && !standby_.empty()) MeasureParked();
  if (!fill_log_.empty()) {  // replaying the fill phase into the first shadows
    ReplaySome(hash);
    return;
  }
  if (!Sampled(hash)) return;
  epoch_real_hits_ += real_hit;
  for (size_t i = 0; i < shadows_.size(); ++i) {
    eviction::ShadowCache& s = *shadows_[i];
    if (s.capacity() == 0) continue;  // a bytes_only expert under a count limit
    bool hit = false;
    Metered(s.policy(), [&] { hit = s.Request(hash, by_bytes_ ? charge : 0); });
    if (hit) ++epoch_hits_[i];
  }
  if (++epoch_requests_ >= epoch_length_) EndEpoch();
}

void AdaptivePolicy::EndEpoch() {
  const double n = static_cast<double>(epoch_requests_);
  // The real cache against the floor expert's shadow on the same sampled requests: negative
  // when leaving the floor cost more (migrations, short-lived leads) than the shadows predicted.
  const double real = static_cast<double>(epoch_real_hits_) / n;
  for (size_t i = 0; i < shadows_.size(); ++i) {
    if (!experts_[i].floor) continue;
    const double floor_ratio = static_cast<double>(epoch_hits_[i]) / n;
    floor_gap_ += (real - floor_ratio - floor_gap_) * tuning_.gap_weight;
  }
  epoch_real_hits_ = 0;
  for (size_t i = 0; i < shadows_.size(); ++i) {
    double ratio = static_cast<double>(epoch_hits_[i]) / n;
    scores_[i] = warmup_epochs_ > 0 ? ratio : scores_[i] + (ratio - scores_[i]) * tuning_.weight;
    epoch_hits_[i] = 0;
  }
  epoch_requests_ = 0;
  MeasureShadows();
  size_t best = active_index_;
  for (size_t i = 0; i < scores_.size(); ++i) {
    if (Eligible(i) && (!Eligible(best) || scores_[i] > scores_[best])) best = i;
  }
  // A near-tie with the floor goes to the other expert (Tuning::floor_tie).
  if (tuning_.floor_tie > 0 && experts_[best].floor && best != active_index_) {
    size_t second = best;
    for (size_t i = 0; i < scores_.size(); ++i) {
      if (i != best && Eligible(i) && (second == best || scores_[i] > scores_[second])) second = i;
    }
    if (second != best && scores_[second] + tuning_.floor_tie >= scores_[best]) best = second;
  }
  if (best == active_index_ || draining_ != nullptr) {
    if (warmup_epochs_ > 0) --warmup_epochs_;
    return;
  }
  // An expert that is no longer eligible (gdsf once the limit is by entries) is left at once.
  if (!Eligible(active_index_)) {
    SwitchTo(best);
    return;
  }
  if (warmup_epochs_ > 0) {
    // Warming up: only a lead too large to be noise, and not to a standby expert (its shadow's
    // sketch is still cold, and so is the standby instance's), nor in byte mode (its sampled
    // shadows are noisier: early switches to gdsf cost zipf-0.8 at 1% 1.2 points).
    --warmup_epochs_;
    const double lead =
        tuning_.early_lead + (experts_[active_index_].floor ? tuning_.floor_margin : 0.0);
    if (!by_bytes_ && !experts_[best].standby && scores_[best] > scores_[active_index_] + lead) {
      SwitchTo(best);
    }
    return;
  }
  // Leaving the floor expert (lru) takes a larger lead (Tuning::floor_margin), larger still
  // while leaving it has been losing (floor_gap_ < 0: Tuning::gap_gain).
  double margin = tuning_.margin + (by_bytes_ ? tuning_.byte_margin : 0.0);
  if (experts_[active_index_].floor) {
    margin += tuning_.floor_margin + std::max(0.0, -floor_gap_) * tuning_.gap_gain;
  }
  if (scores_[best] > scores_[active_index_] + margin) SwitchTo(best);
}

void AdaptivePolicy::SwitchTo(size_t expert) {
  draining_ = std::move(active_);
  draining_index_ = active_index_;
  draining_n_ = active_n_;
  active_ = parked_[expert] != nullptr ? std::move(parked_[expert]) : experts_[expert].make();
  active_n_ = 0;
  active_index_ = expert;
  parity_ = !parity_;
  ++switches_;
  NoteParked();
}

void AdaptivePolicy::MigrateSome() {
  for (int i = 0; i < tuning_.migrate_step && draining_n_ > 0; ++i) {
    Entry* e = nullptr;
    Metered(*draining_, [&] {
      e = draining_->PickVictim(last_now_s_);
      if (e != nullptr) draining_->OnErase(*e);
    });
    if (e == nullptr) break;
    ++work_;
    --draining_n_;
    eviction::SetOwnerBit(*e, parity_);
    Metered(*active_, [&] { active_->OnInsert(*e); });
    ++active_n_;
  }
  if (draining_n_ == 0) FinishDrain();
}

void AdaptivePolicy::FinishDrain() {
  if (experts_[draining_index_].standby) parked_[draining_index_] = std::move(draining_);
  draining_.reset();
  NoteParked();
}

size_t AdaptivePolicy::MetadataBytes() const {
  size_t bytes = active_->MetadataBytes() + (draining_ != nullptr ? draining_->MetadataBytes() : 0);
  return bytes + parked_bytes_ + shadow_bytes_ + fill_log_.capacity() * sizeof(uint64_t);
}

void AdaptivePolicy::Clear() {
  active_->Clear();
  if (draining_ != nullptr) draining_->Clear();
  draining_.reset();
  for (auto& p : parked_) {
    if (p != nullptr) p->Clear();
  }
  active_n_ = draining_n_ = 0;
  NoteParked();
  resident_bytes_ = 0;
  last_pick_c_ = 0;
  picks_ = varied_picks_ = 0;
  pending_victim_ = nullptr;
  for (size_t i = 0; i < shadows_.size(); ++i) shadows_[i]->Reset(0, experts_[i].make());
  MeasureShadows();
  rate_ = 0;
  checked_c_ = 0;
  epoch_requests_ = 0;
  std::fill(epoch_hits_.begin(), epoch_hits_.end(), 0);
  epoch_real_hits_ = 0;
  floor_gap_ = 0;
  std::vector<uint64_t>().swap(fill_log_);
  fill_shift_ = 0;
  replay_pos_ = 0;
}

std::unique_ptr<EvictionPolicy> MakeAdaptivePolicy() { return std::make_unique<AdaptivePolicy>(); }

}  // namespace cairn
