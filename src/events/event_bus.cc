// EventBus: a bounded queue drained by one dispatcher thread.
//
// Why asynchronous: events are raised on I/O threads right after a shard lock is released; a
// subscriber that does I/O (log file, pub/sub fan-out) must not add its latency to the request,
// and one that blocks must not stall the cache. The queue is bounded (capacity_), so a stuck
// subscriber costs at most capacity_ events of memory; beyond that events are dropped and
// counted. Subscribers run on the dispatcher thread, in publish order, outside mu_; the
// subscriber list is copied into a snapshot only when it changes.
#include "cairn/events/event_bus.h"

#include <algorithm>
#include <memory>

namespace cairn {

EventBus::EventBus(size_t queue_capacity)
    : capacity_(queue_capacity == 0 ? 1 : queue_capacity), thread_([this] { Run(); }) {}

EventBus::~EventBus() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

EventBus::SubscriptionId EventBus::Subscribe(EventMask mask, Handler handler) {
  std::lock_guard lock(mu_);
  SubscriptionId id = next_id_++;
  subscribers_.push_back({id, mask, std::move(handler)});
  RecomputeMask();
  return id;
}

void EventBus::Unsubscribe(SubscriptionId id) {
  std::lock_guard lock(mu_);
  std::erase_if(subscribers_, [id](const Subscriber& s) { return s.id == id; });
  RecomputeMask();
}

void EventBus::RecomputeMask() {
  EventMask m = 0;
  for (const auto& s : subscribers_) m |= s.mask;
  async_mask_.store(m, std::memory_order_relaxed);
  mask_.store(m | tap_mask_.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void EventBus::SetTap(Tap* tap) { tap_.store(tap, std::memory_order_release); }

void EventBus::SetTapMask(EventMask mask) {
  std::lock_guard lock(mu_);
  tap_mask_.store(mask, std::memory_order_relaxed);
  RecomputeMask();
}

void EventBus::Publish(Event event) {
  const EventMask type = MaskOf(event.type);
  if ((tap_mask_.load(std::memory_order_relaxed) & type) != 0) {
    if (Tap* tap = tap_.load(std::memory_order_acquire)) tap->OnEvent(event);
  }
  if ((async_mask_.load(std::memory_order_relaxed) & type) == 0) return;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(event));
    ++enqueued_seq_;
  }
  published_.fetch_add(1, std::memory_order_relaxed);
  cv_.notify_one();
}

void EventBus::Drain() {
  std::unique_lock lock(mu_);
  uint64_t target = enqueued_seq_;
  drained_cv_.wait(lock, [&] { return delivered_seq_ >= target || stop_; });
}

void EventBus::Run() {
  std::vector<Event> batch;
  std::vector<Subscriber> subs;
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) break;
    batch.clear();
    while (!queue_.empty() && batch.size() < 256) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    subs = subscribers_;  // small; changes rarely
    lock.unlock();
    for (const Event& e : batch) {
      for (const Subscriber& s : subs) {
        if ((s.mask & MaskOf(e.type)) == 0) continue;
        try {
          s.handler(e);
        } catch (...) {
          handler_errors_.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
    lock.lock();
    delivered_seq_ += batch.size();
    drained_cv_.notify_all();
  }
}

}  // namespace cairn
