// PubSubHub: two maps under one reader-writer lock.
//
//   channels_: channel -> subscriber records, in subscription order
//   patterns_: pattern -> subscriber records, in subscription order
//   clients_:  Subscriber* -> its record (the sets of its channels and patterns)
//
// PUBLISH takes the lock shared, looks the channel up (heterogeneous lookup: no std::string is
// built) and matches every pattern, like Redis's pubsubPublishMessage. Records live in the nodes
// of clients_, whose addresses are stable, so the channel lists hold record pointers and a
// delivery needs no second lookup. A subscriber that refuses a message is marked dead at once
// (so concurrent publishers skip it) and removed after the shared lock is released; its
// record's sequence number guards against a new subscriber that reuses the same address.
#include "cairn/pubsub/pubsub_hub.h"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "cairn/common/glob.h"

namespace cairn {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct Record {
  Subscriber* sub = nullptr;
  uint64_t seq = 0;
  std::atomic<bool> dead{false};
  std::set<std::string, std::less<>> channels;
  std::set<std::string, std::less<>> patterns;
};

using RecordList = std::vector<Record*>;
using NameMap = std::unordered_map<std::string, RecordList, StringHash, std::equal_to<>>;

struct Evicted {
  Subscriber* sub;
  uint64_t seq;
};

}  // namespace

struct PubSubHub::Impl {
  mutable std::shared_mutex mu;
  NameMap channels;
  NameMap patterns;
  std::unordered_map<const Subscriber*, Record> clients;
  uint64_t next_seq = 1;

  Record& RecordFor(Subscriber* s) {
    auto [it, inserted] = clients.try_emplace(s);
    if (inserted) {
      it->second.sub = s;
      it->second.seq = next_seq++;
    }
    return it->second;
  }

  Record* Find(const Subscriber* s) {
    auto it = clients.find(s);
    return it == clients.end() ? nullptr : &it->second;
  }

  static void Unlink(NameMap& map, std::string_view name, Record* rec) {
    auto it = map.find(name);
    if (it == map.end()) return;
    std::erase(it->second, rec);
    if (it->second.empty()) map.erase(it);
  }

  // Drops the record once it holds nothing (a later subscription gets a fresh sequence).
  void MaybeForget(Record& rec) {
    if (rec.channels.empty() && rec.patterns.empty()) clients.erase(rec.sub);
  }

  // Removes every subscription of `rec`; returns how many there were. Invalidates `rec`.
  size_t Drop(Record& rec) {
    size_t n = rec.channels.size() + rec.patterns.size();
    for (const std::string& c : rec.channels) Unlink(channels, c, &rec);
    for (const std::string& p : rec.patterns) Unlink(patterns, p, &rec);
    clients.erase(rec.sub);
    return n;
  }
};

PubSubHub::PubSubHub() : impl_(std::make_unique<Impl>()) {}
PubSubHub::~PubSubHub() = default;

namespace {

// Shared body of Subscribe/PSubscribe: `set` is the record's channels or patterns, `map` the
// matching index.
template <typename AddFn>
SubscribeResult AddTo(Record& rec, std::set<std::string, std::less<>>& set, NameMap& map,
                      std::string_view name, AddFn on_added) {
  SubscribeResult r;
  if (!set.contains(name)) {
    set.emplace(name);
    auto it = map.find(name);
    if (it == map.end()) it = map.emplace(std::string(name), RecordList{}).first;
    it->second.push_back(&rec);
    r.changed = true;
    on_added();
  }
  r.count = rec.channels.size() + rec.patterns.size();
  return r;
}

}  // namespace

SubscribeResult PubSubHub::Subscribe(Subscriber* s, std::string_view channel) {
  std::unique_lock lock(impl_->mu);
  Record& rec = impl_->RecordFor(s);
  return AddTo(rec, rec.channels, impl_->channels, channel,
               [&] { subscriptions_.fetch_add(1, std::memory_order_relaxed); });
}

SubscribeResult PubSubHub::PSubscribe(Subscriber* s, std::string_view pattern) {
  std::unique_lock lock(impl_->mu);
  Record& rec = impl_->RecordFor(s);
  return AddTo(rec, rec.patterns, impl_->patterns, pattern,
               [&] { subscriptions_.fetch_add(1, std::memory_order_relaxed); });
}

SubscribeResult PubSubHub::Unsubscribe(Subscriber* s, std::string_view channel) {
  std::unique_lock lock(impl_->mu);
  Record* rec = impl_->Find(s);
  if (rec == nullptr) return {};
  SubscribeResult r;
  if (auto it = rec->channels.find(channel); it != rec->channels.end()) {
    Impl::Unlink(impl_->channels, channel, rec);
    rec->channels.erase(it);
    subscriptions_.fetch_sub(1, std::memory_order_relaxed);
    r.changed = true;
  }
  r.count = rec->channels.size() + rec->patterns.size();
  impl_->MaybeForget(*rec);
  return r;
}

SubscribeResult PubSubHub::PUnsubscribe(Subscriber* s, std::string_view pattern) {
  std::unique_lock lock(impl_->mu);
  Record* rec = impl_->Find(s);
  if (rec == nullptr) return {};
  SubscribeResult r;
  if (auto it = rec->patterns.find(pattern); it != rec->patterns.end()) {
    Impl::Unlink(impl_->patterns, pattern, rec);
    rec->patterns.erase(it);
    subscriptions_.fetch_sub(1, std::memory_order_relaxed);
    r.changed = true;
  }
  r.count = rec->channels.size() + rec->patterns.size();
  impl_->MaybeForget(*rec);
  return r;
}

std::vector<std::string> PubSubHub::UnsubscribeAll(Subscriber* s) {
  std::unique_lock lock(impl_->mu);
  Record* rec = impl_->Find(s);
  if (rec == nullptr) return {};
  std::vector<std::string> out;
  out.reserve(rec->channels.size());
  for (const std::string& c : rec->channels) Impl::Unlink(impl_->channels, c, rec);
  while (!rec->channels.empty())
    out.push_back(std::move(rec->channels.extract(rec->channels.begin()).value()));
  subscriptions_.fetch_sub(out.size(), std::memory_order_relaxed);
  impl_->MaybeForget(*rec);
  return out;
}

std::vector<std::string> PubSubHub::PUnsubscribeAll(Subscriber* s) {
  std::unique_lock lock(impl_->mu);
  Record* rec = impl_->Find(s);
  if (rec == nullptr) return {};
  std::vector<std::string> out;
  out.reserve(rec->patterns.size());
  for (const std::string& p : rec->patterns) Impl::Unlink(impl_->patterns, p, rec);
  while (!rec->patterns.empty())
    out.push_back(std::move(rec->patterns.extract(rec->patterns.begin()).value()));
  subscriptions_.fetch_sub(out.size(), std::memory_order_relaxed);
  impl_->MaybeForget(*rec);
  return out;
}

void PubSubHub::Remove(Subscriber* s) {
  std::unique_lock lock(impl_->mu);
  if (Record* rec = impl_->Find(s)) {
    subscriptions_.fetch_sub(impl_->Drop(*rec), std::memory_order_relaxed);
  }
}

size_t PubSubHub::SubscriptionCount(const Subscriber* s) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->clients.find(s);
  return it == impl_->clients.end() ? 0 : it->second.channels.size() + it->second.patterns.size();
}

bool PubSubHub::AllSubscriptions(const Subscriber* s,
                                 const std::function<bool(std::string_view, bool)>& allowed) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->clients.find(s);
  if (it == impl_->clients.end()) return true;
  for (const std::string& c : it->second.channels) {
    if (!allowed(c, false)) return false;
  }
  for (const std::string& p : it->second.patterns) {
    if (!allowed(p, true)) return false;
  }
  return true;
}

int64_t PubSubHub::Publish(std::string_view channel, std::string_view message) {
  if (!HasSubscriptions()) return 0;
  int64_t receivers = 0;
  std::vector<Evicted> evicted;  // stays empty (no allocation) unless someone refuses
  auto deliver = [&](Record* rec, MessageKind kind, std::string_view pattern) {
    if (rec->dead.load(std::memory_order_relaxed)) return;
    if (rec->sub->Deliver(kind, pattern, channel, message)) {
      ++receivers;
    } else if (!rec->dead.exchange(true, std::memory_order_relaxed)) {
      evicted.push_back({rec->sub, rec->seq});
    }
  };
  {
    std::shared_lock lock(impl_->mu);
    if (auto it = impl_->channels.find(channel); it != impl_->channels.end()) {
      for (Record* rec : it->second) deliver(rec, MessageKind::kMessage, {});
    }
    for (const auto& [pattern, recs] : impl_->patterns) {
      if (!GlobMatch(pattern, channel)) continue;
      for (Record* rec : recs) deliver(rec, MessageKind::kPMessage, pattern);
    }
  }
  if (!evicted.empty()) {
    // Counted whoever removes it first (the subscriber's own Remove may win the race).
    slow_disconnections_.fetch_add(evicted.size(), std::memory_order_relaxed);
    std::unique_lock lock(impl_->mu);
    for (const Evicted& e : evicted) {
      Record* rec = impl_->Find(e.sub);
      if (rec == nullptr || rec->seq != e.seq) continue;  // already removed (or a new one)
      subscriptions_.fetch_sub(impl_->Drop(*rec), std::memory_order_relaxed);
    }
  }
  return receivers;
}

std::vector<std::string> PubSubHub::Channels(std::optional<std::string_view> pattern) const {
  std::vector<std::string> out;
  {
    std::shared_lock lock(impl_->mu);
    out.reserve(impl_->channels.size());
    for (const auto& [name, recs] : impl_->channels) out.push_back(name);
  }
  // Matched with the lock released: a long pattern costs this caller, not the subscribers who
  // wait for the exclusive lock.
  if (pattern) std::erase_if(out, [&](const std::string& c) { return !GlobMatch(*pattern, c); });
  std::sort(out.begin(), out.end());
  return out;
}

size_t PubSubHub::NumSub(std::string_view channel) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->channels.find(channel);
  return it == impl_->channels.end() ? 0 : it->second.size();
}

size_t PubSubHub::NumPat() const {
  std::shared_lock lock(impl_->mu);
  return impl_->patterns.size();
}

size_t PubSubHub::NumChannels() const {
  std::shared_lock lock(impl_->mu);
  return impl_->channels.size();
}

}  // namespace cairn
