// Tracking: see tracking.h. One mutex; the default-mode table maps a key to the ids of the
// connections that read it (a short vector: usually one or two readers). BCAST connections are
// matched by scanning their prefixes on every change (Redis keeps a radix tree of prefixes;
// BCAST connections with many prefixes are rare, and the scan happens only while some exist).
// Unlike Redis, BCAST invalidations are sent one key at a time, not batched per event loop.
#include "cairn/pubsub/tracking.h"

#include <algorithm>

namespace cairn {
namespace {

thread_local uint64_t t_writer = 0;

constexpr EventMask kTapMask = MaskOf(EventType::kSet) | MaskOf(EventType::kDelete) |
                               MaskOf(EventType::kExpired) | MaskOf(EventType::kEvicted);

bool HasPrefix(std::string_view key, std::string_view prefix) {
  return key.size() >= prefix.size() && key.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

Tracking::WriterScope::WriterScope(uint64_t id) : prev_(t_writer) { t_writer = id; }
Tracking::WriterScope::~WriterScope() { t_writer = prev_; }

Tracking::Tracking(EventBus* bus) : bus_(bus) {
  if (bus_ != nullptr) bus_->SetTap(this);
}

Tracking::~Tracking() {
  if (bus_ != nullptr) {
    bus_->SetTapMask(0);
    bus_->SetTap(nullptr);
  }
}

void Tracking::Register(uint64_t id, Subscriber* s) {
  std::lock_guard lock(mu_);
  sessions_[id] = s;
}

void Tracking::Unregister(uint64_t id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
  if (clients_.erase(id) != 0) {
    UpdateTapLocked();
    // Its remembered keys stay until they change (Redis does the same): a later invalidation
    // finds no client and skips it.
  }
}

bool Tracking::Connected(uint64_t id) const {
  std::lock_guard lock(mu_);
  return sessions_.find(id) != sessions_.end();
}

Tracking::EnableResult Tracking::Enable(uint64_t id, const Mode& mode) {
  std::lock_guard lock(mu_);
  if (mode.redirect != 0 && sessions_.find(mode.redirect) == sessions_.end()) {
    return EnableResult::kNoSuchRedirect;
  }
  Client& c = clients_[id];
  c.mode.noloop = mode.noloop;
  c.mode.redirect = mode.redirect;
  c.broken = false;
  if (mode.bcast) {
    // Prefixes accumulate while BCAST stays on (CLIENT TRACKING ON BCAST PREFIX a, then PREFIX
    // b), as in Redis; the empty prefix stands for every key.
    c.mode.bcast = true;
    std::vector<std::string> add = mode.prefixes;
    if (add.empty()) add.emplace_back();
    for (std::string& p : add) {
      if (std::find(c.mode.prefixes.begin(), c.mode.prefixes.end(), p) == c.mode.prefixes.end()) {
        c.mode.prefixes.push_back(std::move(p));
      }
    }
  }
  UpdateTapLocked();
  return EnableResult::kOk;
}

void Tracking::Disable(uint64_t id) {
  std::lock_guard lock(mu_);
  clients_.erase(id);
  UpdateTapLocked();
}

bool Tracking::BrokenRedirect(uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = clients_.find(id);
  return it != clients_.end() && it->second.broken;
}

void Tracking::UpdateTapLocked() {
  const uint64_t before = active_.load(std::memory_order_relaxed);
  active_.store(clients_.size(), std::memory_order_relaxed);
  bcast_clients_ = 0;
  prefix_count_ = 0;
  for (const auto& [id, c] : clients_) {
    if (c.mode.bcast) {
      ++bcast_clients_;
      prefix_count_ += c.mode.prefixes.size();
    }
  }
  if ((before == 0) != clients_.empty() && bus_ != nullptr) {
    bus_->SetTapMask(clients_.empty() ? 0 : kTapMask);
  }
}

void Tracking::Remember(uint64_t id, std::span<const std::string_view> keys) {
  std::lock_guard lock(mu_);
  const int64_t before = bytes_;
  for (std::string_view key : keys) {
    auto it = keys_.find(std::string(key));
    if (it == keys_.end()) {
      it = keys_.emplace(std::string(key), std::vector<uint64_t>()).first;
      bytes_ += kKeyOverhead + static_cast<int64_t>(key.size());
    }
    std::vector<uint64_t>& readers = it->second;
    if (std::find(readers.begin(), readers.end(), id) == readers.end()) {
      readers.push_back(id);
      ++items_;
      bytes_ += kReaderBytes;
    }
  }
  EvictOverLimitLocked();
  ChargeLocked(before);
}

void Tracking::SetMemoryCharge(MemoryCharge charge) {
  std::lock_guard lock(mu_);
  charge_ = std::move(charge);
  if (charge_ && bytes_ != 0) charge_(bytes_);
}

void Tracking::ChargeLocked(int64_t before) {
  if (charge_ && bytes_ != before) charge_(bytes_ - before);
}

void Tracking::EvictOverLimitLocked() {
  while (max_keys_ != 0 && keys_.size() > max_keys_) {
    // Redis picks random keys; the table's first bucket is as good and costs nothing.
    const std::string key = keys_.begin()->first;
    InvalidateLocked(key, 0);
  }
}

void Tracking::SetMaxKeys(uint64_t max_keys) {
  std::lock_guard lock(mu_);
  const int64_t before = bytes_;
  max_keys_ = max_keys;
  EvictOverLimitLocked();
  ChargeLocked(before);
}

void Tracking::Invalidate(std::string_view key, uint64_t writer) {
  if (!active()) return;
  std::lock_guard lock(mu_);
  const int64_t before = bytes_;
  InvalidateLocked(key, writer);
  ChargeLocked(before);
}

void Tracking::InvalidateLocked(std::string_view key, uint64_t writer) {
  const std::string_view one[] = {key};
  TrackingMessage m;
  m.keys = one;
  auto it = keys_.find(std::string(key));
  if (it != keys_.end()) {
    const std::vector<uint64_t> readers = std::move(it->second);
    items_ -= readers.size();
    bytes_ -= kKeyOverhead + static_cast<int64_t>(key.size()) +
              kReaderBytes * static_cast<int64_t>(readers.size());
    keys_.erase(it);
    for (uint64_t id : readers) {
      auto c = clients_.find(id);
      if (c == clients_.end() || c->second.mode.bcast) continue;  // stopped tracking since
      if (c->second.mode.noloop && id == writer) continue;
      SendLocked(id, c->second, m);
    }
  }
  if (bcast_clients_ == 0) return;
  for (auto& [id, c] : clients_) {
    if (!c.mode.bcast || (c.mode.noloop && id == writer)) continue;
    for (const std::string& prefix : c.mode.prefixes) {
      if (HasPrefix(key, prefix)) {
        SendLocked(id, c, m);
        break;
      }
    }
  }
}

void Tracking::InvalidateAll() {
  if (!active()) return;
  std::lock_guard lock(mu_);
  const int64_t before = bytes_;
  keys_.clear();
  items_ = 0;
  bytes_ = 0;
  ChargeLocked(before);
  TrackingMessage m;
  m.kind = TrackingMessage::Kind::kAll;
  for (auto& [id, c] : clients_) SendLocked(id, c, m);
}

void Tracking::SendLocked(uint64_t id, Client& c, const TrackingMessage& m) {
  if (c.mode.redirect == 0) {
    auto self = sessions_.find(id);
    if (self != sessions_.end()) self->second->DeliverTracking(m);
    return;
  }
  auto target = sessions_.find(c.mode.redirect);
  if (target == sessions_.end()) {
    // Redis: the tracking connection learns (RESP3 only) that its invalidations are lost.
    c.broken = true;
    auto self = sessions_.find(id);
    if (self == sessions_.end()) return;
    TrackingMessage broken;
    broken.kind = TrackingMessage::Kind::kRedirectBroken;
    broken.redirect_id = c.mode.redirect;
    self->second->DeliverTracking(broken);
    return;
  }
  TrackingMessage redirected = m;
  redirected.redirected = true;
  target->second->DeliverTracking(redirected);
}

void Tracking::OnEvent(const Event& event) { Invalidate(event.key, t_writer); }

Tracking::Stats Tracking::stats() const {
  std::lock_guard lock(mu_);
  return Stats{clients_.size(), keys_.size(), items_, prefix_count_, static_cast<uint64_t>(bytes_)};
}

}  // namespace cairn
