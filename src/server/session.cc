#include "session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <tuple>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cairn/command/acl.h"
#include "cairn/command/dispatcher.h"
#include "cairn/command/observability.h"
#include "cairn/common/clock.h"
#include "cairn/pubsub/monitor_feed.h"
#include "cairn/pubsub/tracking.h"

namespace cairn {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

constexpr size_t kReadChunk = 16 * 1024;         // Redis's PROTO_IOBUF_LEN
constexpr size_t kIdleBufferMax = 64 * 1024;     // shrink an emptied query buffer above this
constexpr size_t kFlushBytes = 4 * 1024 * 1024;  // write mid-batch once this much is queued
constexpr size_t kIdleOutputMax = 1024 * 1024;   // release a reply buffer above this

thread_local Session* t_current = nullptr;

// Marks the session whose command runs on this thread (CLIENT LIST / KILL / INFO on itself).
class CurrentScope {
 public:
  explicit CurrentScope(Session* s) : prev_(t_current) { t_current = s; }
  ~CurrentScope() { t_current = prev_; }
  CurrentScope(const CurrentScope&) = delete;
  CurrentScope& operator=(const CurrentScope&) = delete;

 private:
  Session* prev_;
};

// The ClientState fields other threads may look at (CLIENT LIST / KILL filters) that can change
// during the connection; id, addr, laddr and created_ms are copied once, at construction, and
// last_interaction_ms is published apart (Session::shown_interaction_ms_). SameShown must
// compare every field CopyShown copies.
void CopyShown(const ClientState& from, ClientState& to) {
  to.name = from.name;
  to.lib_name = from.lib_name;
  to.lib_ver = from.lib_ver;
  to.authenticated = from.authenticated;
  to.acl_user = from.acl_user;
  to.resp = from.resp;
  to.reply_mode = from.reply_mode;
  to.close_after_reply = from.close_after_reply;
  to.last_command = from.last_command;
  to.sub_channels = from.sub_channels;
  to.sub_patterns = from.sub_patterns;
  to.monitor = from.monitor;
  to.no_evict = from.no_evict;
  to.in_multi = from.in_multi;
  to.multi_count = from.multi_count;
  to.tracking.on = from.tracking.on;
  to.tracking.bcast = from.tracking.bcast;
  to.tracking.redirect = from.tracking.redirect;
}

bool SameShown(const ClientState& a, const ClientState& b) {
  return a.last_command == b.last_command && a.authenticated == b.authenticated &&
         a.acl_user == b.acl_user && a.resp == b.resp && a.reply_mode == b.reply_mode &&
         a.close_after_reply == b.close_after_reply && a.sub_channels == b.sub_channels &&
         a.sub_patterns == b.sub_patterns && a.monitor == b.monitor && a.no_evict == b.no_evict &&
         a.in_multi == b.in_multi && a.multi_count == b.multi_count &&
         a.tracking.on == b.tracking.on && a.tracking.bcast == b.tracking.bcast &&
         a.tracking.redirect == b.tracking.redirect && a.name == b.name &&
         a.lib_name == b.lib_name && a.lib_ver == b.lib_ver;
}

bool SameIo(const ClientIoInfo& a, const ClientIoInfo& b) {
  return a.fd == b.fd && a.tls == b.tls && a.qbuf == b.qbuf && a.qbuf_free == b.qbuf_free &&
         a.obuf == b.obuf && a.omem == b.omem && a.tot_mem == b.tot_mem;
}

std::string Endpoint(const tcp::endpoint& ep) {
  return FormatAddress(ep.address().to_string(), ep.port());
}

}  // namespace

Session::Session(Server::Impl& server, tcp::socket socket, uint64_t id,
                 std::shared_ptr<TlsContext> tls, std::string_view refusal)
    : server_(server),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      tls_context_(std::move(tls)),
      refusal_(refusal),
      reply_(out_),
      pushes_(*this, server.self.observability(), server.clock) {
  boost::system::error_code ec;
  fd_ = socket_.native_handle();
  live_.id = id;
  live_.subscriber = &pushes_;
  auto remote = socket_.remote_endpoint(ec);
  live_.addr = ec ? std::string("?:0") : Endpoint(remote);
  auto local = socket_.local_endpoint(ec);
  live_.laddr = ec ? std::string("?:0") : Endpoint(local);
  live_.created_ms = live_.last_interaction_ms = server_.clock.NowMs();
  live_.authenticated = server_.self.acl().default_open();  // default user on and nopass
  last_active_ms_.store(live_.created_ms, std::memory_order_relaxed);
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);  // WriteNow(); asynchronous operations are unaffected
  socket_.set_option(asio::socket_base::keep_alive(true), ec);
  if (tls_context_ != nullptr) {
    tls_ = std::make_unique<ssl::stream<TlsTransport>>(socket_, tls_context_->asio());
  }
  shown_.id = live_.id;
  shown_.subscriber = live_.subscriber;  // ACL: which subscriptions to check (a hub key only)
  shown_.addr = live_.addr;
  shown_.laddr = live_.laddr;
  shown_.created_ms = live_.created_ms;
  if (const Observability* obs = pushes_.observability(); obs != nullptr && obs->tracking) {
    obs->tracking->Register(live_.id, &pushes_);
  }
  Publish();
}

Session::~Session() {
  LeavePubSub();
  server_.clients_memory.fetch_sub(memory_.load(std::memory_order_relaxed),
                                   std::memory_order_relaxed);
}

Session* Session::Current() { return t_current; }

asio::awaitable<void> Session::Run() {
  auto self = shared_from_this();
  try {
    if (tls_ == nullptr || co_await Handshake()) {
      if (refusal_.empty()) {
        co_await Serve();
      } else {
        out_.assign(refusal_);
        co_await Flush();
      }
    }
  } catch (const std::exception& e) {
    spdlog::warn("closing client id={} addr={} after an internal error: {}", live_.id, live_.addr,
                 e.what());
  }
  CloseSocket();
  LeavePubSub();
  live_.tx.reset();  // unwatches its keys while the cache surely exists
  server_.Unregister(live_.id);
}

asio::awaitable<void> Session::Serve() {
  while (!killed_ && !stopping_ && !close_) {
    if (pushes_.pending()) {  // messages for a subscriber (or monitor) that sends nothing
      pushes_.TakeInto(out_);
      co_await Flush();
      continue;
    }
    EnsureReadSpace();
    if (!AccountMemory()) co_return;
    wait_ = Wait::kRead;
    busy_.store(false, std::memory_order_relaxed);
    const auto space = asio::buffer(buf_.get() + wpos_, cap_ - wpos_);
    // Two statements, not `co_await (tls_ ? a : b)`: GCC 12 frees a conditional's awaitable
    // before the coroutine resumes (a use-after-free valgrind shows).
    boost::system::error_code ec;
    size_t n = 0;
    if (tls_ == nullptr) {
      std::tie(ec, n) = co_await socket_.async_read_some(space, kNoThrow);
    } else {
      std::tie(ec, n) = co_await tls_->async_read_some(space, kNoThrow);
    }
    wait_ = Wait::kNone;
    const bool woken = std::exchange(push_woken_, false);
    if (woken && ec == asio::error::operation_aborted && !killed_ && !stopping_) continue;
    if (ec || n == 0) {
      if (ec && ec != asio::error::eof && ec != asio::error::operation_aborted) {
        spdlog::debug("reading from client id={}: {}", live_.id, ec.message());
      }
      co_return;
    }
    if (killed_ || stopping_) co_return;
    busy_.store(true, std::memory_order_relaxed);
    wpos_ += n;
    server_.counters.net_input_bytes.fetch_add(n, std::memory_order_relaxed);
    const int64_t now = server_.clock.NowMs();
    live_.last_interaction_ms = now;
    last_active_ms_.store(now, std::memory_order_relaxed);

    const uint64_t limit = server_.client_query_buffer_limit.load(std::memory_order_relaxed);
    if (wpos_ - rpos_ > limit) {
      spdlog::warn(
          "Closing client that reached max query buffer length: id={} addr={} "
          "(qbuf {} bytes, limit {})",
          live_.id, live_.addr, wpos_ - rpos_, limit);
      co_return;
    }
    if (pushes_.pending()) pushes_.TakeInto(out_);  // what came before this batch goes first
    for (Pause pause = RunCommands(); pause != Pause::kNone; pause = RunCommands()) {
      if (pause == Pause::kSleep) {
        if (live_.sleep_us > 0) co_await Sleep(std::exchange(live_.sleep_us, 0));
        // A background job this connection waits for (CONFIG SET eviction-policy): poll it
        // with the timer, so other connections of this I/O thread are served meanwhile.
        while (live_.wait_while != nullptr && !killed_ && !stopping_ &&
               live_.wait_while->load(std::memory_order_acquire)) {
          co_await Sleep(1000);
        }
        live_.wait_while = nullptr;
      } else if (!WriteNow()) {
        co_await Flush();
      }
    }
    CompactOrShrink();
    if (!AccountMemory()) co_return;
    if (!WriteNow()) co_await Flush();
    Publish();
  }
}

bool Session::AuthRequired() const {
  return !live_.authenticated && !server_.self.acl().default_open();
}

Session::Pause Session::RunCommands() {
  ParserLimits limits = parser_.limits();
  const auto max_bulk = static_cast<int64_t>(
      std::min<uint64_t>(server_.proto_max_bulk_len.load(std::memory_order_relaxed), INT64_MAX));
  if (limits.max_bulk_len != max_bulk) {
    limits.max_bulk_len = max_bulk;
    parser_.set_limits(limits);
  }
  CommandContext ctx{server_.cache, server_.self, live_, reply_};
  while (!close_ && !killed_ && !stopping_) {
    if (out_.size() >= kFlushBytes) return Pause::kFlush;
    const size_t pending = wpos_ - rpos_;
    if (pending == 0 || pending < need_) break;
    const bool auth_required = AuthRequired();
    if (parser_.limits().auth_required != auth_required) {
      limits = parser_.limits();
      limits.auth_required = auth_required;
      parser_.set_limits(limits);
    }
    const ParseResult r = parser_.Parse({buf_.get() + rpos_, pending}, args_);
    if (r.status == ParseStatus::kNeedMore) {
      need_ = r.need_bytes > pending ? r.need_bytes : 0;
      break;
    }
    if (r.status == ParseStatus::kError) {
      spdlog::debug("Protocol error ({}) from client id={} addr={}", r.error, live_.id, live_.addr);
      reply_.Error(r.error);
      server_.counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
      live_.close_after_reply = true;
      close_ = true;
      break;
    }
    rpos_ += r.consumed;
    need_ = 0;
    if (args_.argv.empty()) continue;  // an empty inline line
    {
      CurrentScope scope(this);
      server_.dispatcher.Execute(ctx, args_.argv);
    }
    if (live_.close_after_reply || live_.kill_requested.load(std::memory_order_relaxed)) {
      close_ = true;
    }
    if (RepliesOverLimit()) break;
    if (live_.sleep_us > 0 || live_.wait_while != nullptr) return Pause::kSleep;
  }
  return Pause::kNone;
}

bool Session::WriteNow() {
  if (killed_ || out_.empty()) {
    ReleaseOutput();
    return true;
  }
  if (tls_ != nullptr) return EncryptNow();
  // As in Flush: the idle clock restarts when a write starts (here it also ends).
  last_active_ms_.store(server_.clock.NowMs(), std::memory_order_relaxed);
  boost::system::error_code ec;
  const size_t n = socket_.write_some(asio::buffer(out_), ec);  // non-blocking: never waits
  server_.counters.net_output_bytes.fetch_add(n, std::memory_order_relaxed);
  pushes_.Written(n);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    spdlog::debug("writing to client id={}: {}", live_.id, ec.message());
    close_ = true;
    ReleaseOutput();
    return true;
  }
  if (n == out_.size()) {
    ReleaseOutput();
    return true;
  }
  out_.erase(0, n);  // the socket buffer is full: Flush() waits for room for the rest
  return false;
}

void Session::ReleaseOutput() {
  if (out_.capacity() > kIdleOutputMax) {
    std::string().swap(out_);
  } else {
    out_.clear();
  }
}

asio::awaitable<void> Session::Flush() {
  if (tls_ != nullptr) {
    // Encrypt what is queued, then drain the transport's backlog with the socket's own writes.
    if (!out_.empty() && !killed_) EncryptNow();
    std::string& backlog = tls_->next_layer().backlog();
    size_t off = 0;
    while (off < backlog.size() && !killed_) {
      last_active_ms_.store(server_.clock.NowMs(), std::memory_order_relaxed);
      busy_.store(false, std::memory_order_relaxed);
      wait_ = Wait::kWrite;
      auto [ec, n] = co_await socket_.async_write_some(
          asio::buffer(backlog.data() + off, backlog.size() - off), kNoThrow);
      wait_ = Wait::kNone;
      busy_.store(true, std::memory_order_relaxed);
      off += n;
      if (ec) {
        spdlog::debug("writing to client id={}: {}", live_.id, ec.message());
        close_ = true;
        break;
      }
    }
    if (backlog.capacity() > kIdleOutputMax) {
      std::string().swap(backlog);
    } else {
      backlog.clear();
    }
    co_return;
  }
  size_t off = 0;
  while (off < out_.size() && !killed_) {
    // Refreshed before each write is started: a client cannot have seen these bytes yet, so the
    // idle clock never runs ahead of what the client observed. A write blocked on a client that
    // does not read is not "busy": it times out like an idle client.
    last_active_ms_.store(server_.clock.NowMs(), std::memory_order_relaxed);
    busy_.store(false, std::memory_order_relaxed);
    wait_ = Wait::kWrite;
    auto [ec, n] = co_await socket_.async_write_some(
        asio::buffer(out_.data() + off, out_.size() - off), kNoThrow);
    wait_ = Wait::kNone;
    busy_.store(true, std::memory_order_relaxed);
    off += n;
    server_.counters.net_output_bytes.fetch_add(n, std::memory_order_relaxed);
    pushes_.Written(n);
    if (ec) {
      spdlog::debug("writing to client id={}: {}", live_.id, ec.message());
      close_ = true;
      break;
    }
  }
  ReleaseOutput();
}

asio::awaitable<void> Session::Sleep(int64_t us) {
  timer_.expires_after(std::chrono::microseconds(us));
  wait_ = Wait::kSleep;
  co_await timer_.async_wait(kNoThrow);
  wait_ = Wait::kNone;
}

void Session::EnsureReadSpace() {
  const size_t pending = wpos_ - rpos_;
  size_t want = kReadChunk;
  if (need_ > pending) want = std::max(want, need_ - pending);
  if (cap_ - wpos_ >= want) return;
  if (rpos_ > 0 && cap_ - pending >= want) {
    std::memmove(buf_.get(), buf_.get() + rpos_, pending);
  } else {
    // Exactly the announced size for a large bulk, doubling otherwise.
    const size_t new_cap = need_ > pending ? pending + want : std::max(cap_ * 2, pending + want);
    auto fresh = std::make_unique_for_overwrite<char[]>(new_cap);
    if (pending > 0) std::memcpy(fresh.get(), buf_.get() + rpos_, pending);
    buf_ = std::move(fresh);
    cap_ = new_cap;
  }
  rpos_ = 0;
  wpos_ = pending;
}

void Session::CompactOrShrink() {
  if (rpos_ != wpos_) return;
  rpos_ = wpos_ = 0;
  if (cap_ > kIdleBufferMax) {
    buf_.reset();
    cap_ = 0;
  }
}

ClientIoInfo Session::CurrentIo() const {
  return ClientIoInfo{fd_,
                      wpos_ - rpos_,
                      cap_ - wpos_,
                      out_.capacity(),
                      pushes_.queued_bytes(),
                      BufferMemory(),
                      tls_version_};
}

bool Session::AccountMemory() {
  const uint64_t now = BufferMemory();
  const uint64_t before = memory_.exchange(now, std::memory_order_relaxed);
  if (now == before) return true;
  const uint64_t total =
      server_.clients_memory.fetch_add(now - before, std::memory_order_relaxed) + now - before;
  if (now < before) return true;
  const uint64_t limit = server_.ClientMemoryLimit();
  if (limit == 0 || total <= limit) return true;
  if (!server_.EvictClients(this)) return true;
  killed_ = true;
  return false;
}

void Session::Publish() {
  no_evict_.store(live_.no_evict, std::memory_order_relaxed);
  pushes_only_.store(live_.in_pubsub() || live_.monitor, std::memory_order_relaxed);
  pushes_.set_type(ClientTypeOf(live_));
  shown_interaction_ms_.store(live_.last_interaction_ms, std::memory_order_relaxed);
  const ClientIoInfo io = CurrentIo();
  // The usual batch changes none of these: no lock, no string copies.
  if (SameShown(live_, shown_) && SameIo(io, shown_io_)) return;
  std::lock_guard lock(shown_mu_);
  CopyShown(live_, shown_);
  shown_io_ = io;
}

void Session::CloseSocket() {
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
}

void Session::Kill() {
  live_.kill_requested.store(true, std::memory_order_relaxed);
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->killed_ = true;
    boost::system::error_code ec;
    self->socket_.cancel(ec);
    self->timer_.cancel();
  });
}

void Session::BeginShutdown() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    boost::system::error_code ec;
    if (self->wait_ == Wait::kRead || self->wait_ == Wait::kHandshake) self->socket_.cancel(ec);
    if (self->wait_ == Wait::kSleep) self->timer_.cancel();
  });
}

void Session::PostPushWake() {
  auto self = weak_from_this().lock();
  if (self == nullptr) return;  // being destroyed: ~Session leaves the hub
  asio::post(socket_.get_executor(), [self = std::move(self)] { self->OnPushWake(); });
}

void Session::OnPushWake() {
  pushes_.WakeHandled();
  if (wait_ == Wait::kRead && !killed_) {  // idle in a read: interrupt it to write the pushes
    push_woken_ = true;
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
}

// client-output-buffer-limit on the reply path: the unwritten replies of this batch (out_ holds
// what the socket has not accepted; a batch is written once it reaches kFlushBytes, and the
// session reads nothing more while a write waits, so a client that does not read stops at about
// kFlushBytes plus one reply). Redis's semantics: the client is closed without writing them.
// Per command: with the default limit of the normal class (none), three relaxed loads and a
// branch.
bool Session::RepliesOverLimit() {
  const ClientType type = ClientTypeOf(live_);
  if (!OutputLimitBroken(pushes_.observability(), type, out_.size(), reply_limit_, server_.clock)) {
    return false;
  }
  ReportOutputLimit(type);
  killed_ = true;
  live_.kill_requested.store(true, std::memory_order_relaxed);
  return true;
}

void Session::ReportOutputLimit(ClientType type) {
  if (output_limit_broken_.exchange(true, std::memory_order_relaxed)) return;
  server_.counters.output_buffer_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn(
      "Client id={} addr={} closed for overcoming of output buffer limits "
      "(client-output-buffer-limit {}).",
      live_.id, live_.addr, ClientTypeName(type));
}

void Session::CloseForOutputLimit(ClientType type) {
  ReportOutputLimit(type);
  if (auto self = weak_from_this().lock()) self->Kill();
}

// Leaves the hub and the MONITOR feed; afterwards no Deliver to pushes_ runs or will start.
void Session::LeavePubSub() {
  const Observability* obs = pushes_.observability();
  if (obs == nullptr) return;
  if (obs->tracking != nullptr) obs->tracking->Unregister(live_.id);
  if (obs->pubsub != nullptr && live_.in_pubsub()) obs->pubsub->Remove(&pushes_);
  if (obs->monitors != nullptr && live_.monitor) obs->monitors->Remove(&pushes_);
  live_.sub_channels = live_.sub_patterns = 0;
  live_.monitor = false;
}

ClientIoInfo Session::io_info() const {
  const bool broken = TrackingRedirectBroken();
  ClientIoInfo io;
  if (t_current == this) {
    io = CurrentIo();
  } else {
    std::lock_guard lock(shown_mu_);
    io = ShownIo();
  }
  io.tracking_broken = broken;
  return io;
}

// Asked of the tracking table with no session lock held: the table delivers to sessions under
// its own lock.
bool Session::TrackingRedirectBroken() const {
  const Observability* obs = pushes_.observability();
  return obs != nullptr && obs->tracking != nullptr && obs->tracking->BrokenRedirect(live_.id);
}

// The snapshot of the last batch, with the pushes queued since: a subscriber that does not read
// publishes no new batch, while its queue is exactly what grows.
ClientIoInfo Session::ShownIo() const {
  ClientIoInfo io = shown_io_;
  const uint64_t omem = pushes_.queued_bytes();
  io.tot_mem = io.tot_mem - io.omem + omem;
  io.omem = omem;
  return io;
}

void Session::AppendInfo(std::string& out, int64_t now_ms) const {
  if (t_current == this) {
    AppendClientInfo(out, live_, io_info(), now_ms);
    return;
  }
  const bool broken = TrackingRedirectBroken();
  std::lock_guard lock(shown_mu_);
  shown_.last_interaction_ms = shown_interaction_ms_.load(std::memory_order_relaxed);
  ClientIoInfo io = ShownIo();
  io.tracking_broken = broken;
  AppendClientInfo(out, shown_, io, now_ms);
}

bool Session::Matches(const std::function<bool(const ClientState&)>& match) const {
  if (t_current == this) return match(live_);
  std::lock_guard lock(shown_mu_);
  shown_.last_interaction_ms = shown_interaction_ms_.load(std::memory_order_relaxed);
  return match(shown_);
}

}  // namespace cairn
