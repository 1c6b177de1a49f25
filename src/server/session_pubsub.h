// The push side of a session: the Subscriber that the pub/sub hub and the MONITOR feed deliver
// to, from any thread, while the session's coroutine owns the socket.
//
// Deliver() appends the RESP message to a queue under a small mutex and, when the queue was
// idle, posts one wake-up to the session's io_context (Session::PostPushWake). The session
// writes the queue itself, so there is only ever one writer on the socket:
//   - waiting to read (a subscriber that sends nothing): the wake-up cancels the read, the
//     session writes the queue and reads again (a cancelled read loses nothing: the bytes stay
//     in the kernel);
//   - at the start of a batch: what was queued before the client's commands is written before
//     their replies;
//   - pushes that arrive while a batch runs or is being written go out after it.
// So a SUBSCRIBE confirmation always precedes the messages of that subscription.
//
// client-output-buffer-limit of the client's class (ClientTypeOf: pubsub for a subscriber,
// normal for a MONITOR client, as in Redis): the queue plus the taken bytes the socket has not
// accepted yet count as the client's pending output. Breaking the limit (OutputLimitBroken: hard,
// or soft for too long) makes Deliver answer false, the hub drops the subscriber and the session
// is killed at once, without writing what is queued (Redis: "closed for overcoming of output
// buffer limits"). A slow subscriber therefore costs at most its limit in memory and never
// stalls publishers. The session applies the same check to its replies (Session::RunCommands).
//
// Threads and locks: mu_ is a leaf taken inside Deliver (under the hub's or the feed's lock) and
// by the session's thread; nothing else is called while it is held.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "cairn/command/context.h"
#include "cairn/pubsub/output_limit.h"
#include "cairn/pubsub/pubsub_hub.h"

namespace cairn {

class Clock;
class Session;
class MonitorFeed;
struct Observability;

// client-output-buffer-limit <class of `type`> (none without `observability`): true when
// `pending` bytes of unsent output break it. `tracker` keeps the soft-limit timer; the clock is
// read only when a soft limit is set. One check for both paths: the session's replies (its own
// thread) and the pushes (Deliver, under SessionPushes::mu_), each with its own tracker.
bool OutputLimitBroken(const Observability* observability, ClientType type, uint64_t pending,
                       OutputLimitTracker& tracker, const Clock& clock);

class SessionPushes final : public Subscriber {
 public:
  // `observability` may be null (a server without pub/sub or MONITOR: nothing is delivered).
  SessionPushes(Session& session, const Observability* observability, const Clock& clock);

  // --- any thread ---
  bool Deliver(MessageKind kind, std::string_view pattern, std::string_view channel,
               std::string_view message) override;
  // HELLO / RESET changed the protocol: later messages are framed for it (pushes in RESP3).
  void SetProtocol(int resp) override;
  // CLIENT TRACKING invalidations, framed for the connection's protocol (or dropped where RESP2
  // cannot carry them, as in Redis).
  bool DeliverTracking(const TrackingMessage& message) override;

  const Observability* observability() const { return observability_; }

  // --- the session's thread ---
  bool pending() const { return pending_.load(std::memory_order_acquire); }
  // Bytes of pushes queued and not yet taken (CLIENT LIST omem: Redis's reply list).
  uint64_t queued_bytes() const { return queued_bytes_.load(std::memory_order_relaxed); }
  // Moves the queued pushes to the end of `out` (the session then writes `out`).
  void TakeInto(std::string& out);
  // `n` more bytes of the output were written to the socket. Taken pushes lead the output
  // (they are taken before a batch's replies, or alone), so they are the first bytes written.
  void Written(size_t n);
  // The posted wake-up ran: the next Deliver posts a new one.
  void WakeHandled();
  // The client's class changed (SUBSCRIBE, UNSUBSCRIBE...): Deliver checks that class's limit.
  void set_type(ClientType type) { type_.store(type, std::memory_order_relaxed); }

 private:
  // A frame was appended to queue_: publishes the queue's state; true when the session must be
  // woken (no wake-up is posted yet). Needs mu_.
  bool QueuedLocked();
  // After mu_ is released: closes the client if its limit broke, else wakes it when needed.
  bool AfterDeliver(ClientType type, bool overflow, bool wake);

  Session& session_;
  const Observability* const observability_;
  const Clock& clock_;

  std::mutex mu_;
  std::string queue_;  // guarded by mu_
  // Taken, not yet written to the socket. Written by the session's thread only (so Written()
  // takes no lock); read by Deliver.
  std::atomic<uint64_t> inflight_{0};
  OutputLimitTracker limit_;  // guarded by mu_
  bool wake_posted_ = false;  // guarded by mu_
  bool closing_ = false;      // guarded by mu_: the limit was broken
  int resp_ = 2;              // guarded by mu_: the connection's protocol
  std::atomic<bool> pending_{false};
  std::atomic<uint64_t> queued_bytes_{0};
  std::atomic<ClientType> type_{ClientType::kNormal};
};

}  // namespace cairn
