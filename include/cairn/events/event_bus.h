// The event bus (Observer). Publishers never wait for subscribers: Publish() appends to a bounded
// queue and returns; one dispatcher thread delivers events to subscribers in order. A subscriber
// that throws is logged-and-counted; a slow one makes the queue fill, after which new events are
// dropped and counted (dropped()), never blocking the cache. Wants() is one relaxed load, so hot
// paths skip building events nobody listens to.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "cairn/events/event.h"

namespace cairn {

class EventBus {
 public:
  using Handler = std::function<void(const Event&)>;
  using SubscriptionId = uint64_t;

  explicit EventBus(size_t queue_capacity = 65536);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  SubscriptionId Subscribe(EventMask mask, Handler handler);
  void Unsubscribe(SubscriptionId id);

  // A synchronous observer (client tracking's invalidations): OnEvent runs on the publishing
  // thread, after the shard lock is released and before the write returns to its caller, and is
  // never dropped. SetTap installs it once, before publishers start (it must outlive them);
  // SetTapMask says which events it wants, so with an empty mask (no tracking client) no event
  // is built for it at all. OnEvent must be short and must not publish.
  class Tap {
   public:
    virtual ~Tap() = default;
    virtual void OnEvent(const Event& event) = 0;
  };
  void SetTap(Tap* tap);
  void SetTapMask(EventMask mask);

  bool Wants(EventType t) const { return (mask_.load(std::memory_order_relaxed) & MaskOf(t)) != 0; }
  void Publish(Event event);
  // Blocks until every event published before the call has been delivered (tests, shutdown).
  void Drain();

  uint64_t published() const { return published_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t handler_errors() const { return handler_errors_.load(std::memory_order_relaxed); }

 private:
  struct Subscriber {
    SubscriptionId id;
    EventMask mask;
    Handler handler;
  };
  void Run();
  void RecomputeMask();

  const size_t capacity_;
  std::atomic<EventMask> mask_{0};        // subscribers' and the tap's: what Wants() answers
  std::atomic<EventMask> async_mask_{0};  // the subscribers'
  std::atomic<EventMask> tap_mask_{0};
  std::atomic<Tap*> tap_{nullptr};
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> handler_errors_{0};

  std::mutex mu_;  // guards queue_, subscribers_, seq counters
  std::condition_variable cv_;
  std::condition_variable drained_cv_;
  std::deque<Event> queue_;
  std::vector<Subscriber> subscribers_;
  SubscriptionId next_id_ = 1;
  uint64_t enqueued_seq_ = 0;
  uint64_t delivered_seq_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cairn
