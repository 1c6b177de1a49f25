#include "session_pubsub.h"

#include "cairn/command/observability.h"
#include "cairn/common/clock.h"
#include "cairn/pubsub/messages.h"
#include "session.h"

namespace cairn {
namespace {

constexpr size_t kIdleQueueMax = 1024 * 1024;  // release a queue buffer above this once emptied

}  // namespace

bool OutputLimitBroken(const Observability* observability, ClientType type, uint64_t pending,
                       OutputLimitTracker& tracker, const Clock& clock) {
  if (observability == nullptr) return false;
  const OutputBufferLimit limit = observability->output_limit(type);
  if (limit.hard_bytes == 0 && limit.soft_bytes == 0) return false;  // the default for normal
  return tracker.Exceeded(limit, pending, limit.soft_bytes != 0 ? clock.NowMs() : 0);
}

SessionPushes::SessionPushes(Session& session, const Observability* observability,
                             const Clock& clock)
    : session_(session), observability_(observability), clock_(clock) {}

bool SessionPushes::Deliver(MessageKind kind, std::string_view pattern, std::string_view channel,
                            std::string_view message) {
  const size_t size = PubSubMessageSize(kind, pattern, channel, message);
  const ClientType type = type_.load(std::memory_order_relaxed);
  bool wake = false;
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    if (closing_) return false;
    const uint64_t pending = queue_.size() + inflight_.load(std::memory_order_relaxed) + size;
    if (OutputLimitBroken(observability_, type, pending, limit_, clock_)) {
      closing_ = overflow = true;
    } else {
      ReplyBuilder frames(queue_, resp_);
      AppendPubSubMessage(frames, kind, pattern, channel, message);
      wake = QueuedLocked();
    }
  }
  return AfterDeliver(type, overflow, wake);
}

bool SessionPushes::DeliverTracking(const TrackingMessage& message) {
  const ClientType type = type_.load(std::memory_order_relaxed);
  bool wake = false;
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    if (closing_) return false;
    const size_t before = queue_.size();
    ReplyBuilder frames(queue_, resp_);
    if (!AppendTrackingMessage(frames, message, type == ClientType::kPubSub)) return true;
    const uint64_t pending = queue_.size() + inflight_.load(std::memory_order_relaxed);
    if (OutputLimitBroken(observability_, type, pending, limit_, clock_)) {
      queue_.resize(before);
      closing_ = overflow = true;
    } else {
      wake = QueuedLocked();
    }
  }
  return AfterDeliver(type, overflow, wake);
}

bool SessionPushes::QueuedLocked() {
  queued_bytes_.store(queue_.size(), std::memory_order_relaxed);
  pending_.store(true, std::memory_order_release);
  const bool wake = !wake_posted_;
  wake_posted_ = true;
  return wake;
}

bool SessionPushes::AfterDeliver(ClientType type, bool overflow, bool wake) {
  if (overflow) {
    session_.CloseForOutputLimit(type);
    return false;
  }
  if (wake) session_.PostPushWake();
  return true;
}

void SessionPushes::SetProtocol(int resp) {
  std::lock_guard lock(mu_);
  resp_ = resp;
}

void SessionPushes::TakeInto(std::string& out) {
  std::lock_guard lock(mu_);
  queued_bytes_.store(0, std::memory_order_relaxed);
  if (closing_) {  // over the limit: the session is being killed, nothing more is written
    std::string().swap(queue_);
    pending_.store(false, std::memory_order_relaxed);
    return;
  }
  inflight_.store(inflight_.load(std::memory_order_relaxed) + queue_.size(),
                  std::memory_order_relaxed);
  if (out.empty()) {
    out.swap(queue_);
  } else {
    out.append(queue_);
  }
  if (queue_.capacity() > kIdleQueueMax) {
    std::string().swap(queue_);
  } else {
    queue_.clear();
  }
  pending_.store(false, std::memory_order_relaxed);
}

void SessionPushes::Written(size_t n) {
  const uint64_t inflight = inflight_.load(std::memory_order_relaxed);
  if (inflight == 0) return;  // the common case: no pushes in this output
  inflight_.store(inflight - (n < inflight ? n : inflight), std::memory_order_relaxed);
}

void SessionPushes::WakeHandled() {
  std::lock_guard lock(mu_);
  wake_posted_ = false;
}

}  // namespace cairn
