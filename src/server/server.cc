#include "cairn/server/server.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <future>
#include <optional>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/acl.h"
#include "cairn/common/clock.h"
#include "cairn/config/config.h"
#include "cairn/protocol/reply_builder.h"
#include "client_info.h"
#include "server_impl.h"
#include "session.h"

namespace cairn {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Redis 7.0's text, byte for byte (its typos included), for a refused client.
constexpr std::string_view kProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr int kListenBacklog = 511;  // Redis's tcp-backlog default

// Generations of requirepass, unique across Server instances so that a thread's cached copy
// (see requirepass()) can never be mistaken for another server's.
std::atomic<uint64_t> g_pass_generation{0};

bool IsUnavailable(const boost::system::error_code& ec) {
  return ec == asio::error::address_family_not_supported ||
         ec == boost::system::errc::address_family_not_supported ||
         ec == boost::system::errc::address_not_available ||
         ec == boost::system::errc::protocol_not_supported;
}

}  // namespace

const char* ServerVersion() { return CAIRN_VERSION; }

ServerOptions ServerOptions::FromConfig(const ServerConfig& cfg) {
  ServerOptions o;
  o.bind = cfg.bind;
  o.port = static_cast<uint16_t>(cfg.port);
  o.io_threads = cfg.io_threads;
  o.requirepass = cfg.requirepass;
  o.timeout_s = cfg.timeout;
  o.maxclients = cfg.maxclients;
  o.proto_max_bulk_len = cfg.proto_max_bulk_len;
  o.client_query_buffer_limit = cfg.client_query_buffer_limit;
  o.maxmemory_clients = cfg.maxmemory_clients;
  o.protected_mode = cfg.protected_mode;
  o.config_file = cfg.config_file;
  o.tls_port = static_cast<uint16_t>(cfg.tls_port);
  o.tls = TlsOptions::FromConfig(cfg);
  o.tls_handshake_timeout_ms = cfg.tls_handshake_timeout_ms;
  return o;
}

Server::Impl::Impl(Server& self_ref, ServerOptions opts, CacheManager& cache_ref,
                   const Dispatcher& dispatcher_ref, ConfigRegistry& config_ref,
                   const Clock& clock_ref)
    : self(self_ref),
      options(std::move(opts)),
      cache(cache_ref),
      dispatcher(dispatcher_ref),
      config(config_ref),
      clock(clock_ref),
      start_time_ms(clock_ref.NowMs()),
      timeout_s(options.timeout_s),
      maxclients(options.maxclients),
      proto_max_bulk_len(options.proto_max_bulk_len),
      client_query_buffer_limit(options.client_query_buffer_limit),
      maxmemory_clients(options.maxmemory_clients),
      protected_mode(options.protected_mode),
      tls_handshake_timeout_ms(options.tls_handshake_timeout_ms),
      pool(static_cast<size_t>(std::max(0, options.io_threads))) {
  requirepass = options.requirepass;
  self.acl().SetDefaultPassword(requirepass);  // requirepass is the default user's password
  pass_empty.store(requirepass.empty());
  pass_version.store(g_pass_generation.fetch_add(1) + 1);
}

std::optional<std::string> Server::Impl::Bind() {
  // Redis's port 0 (no plain TCP) when TLS is on; Cairn's ephemeral port otherwise.
  if (options.tls_port == 0 || options.port != 0) {
    if (auto err = BindPort(options.port, false)) return err;
  }
  if (options.tls_port != 0) {
    auto built = TlsContext::Build(options.tls);
    if (auto* err = std::get_if<std::string>(&built)) {
      spdlog::error("{}", *err);
      return "Failed to configure TLS: " + *err;
    }
    tls_context.Set(std::get<std::shared_ptr<TlsContext>>(std::move(built)));
    if (auto err = BindPort(options.tls_port, true)) return err;
  }
  return std::nullopt;
}

std::optional<std::string> Server::Impl::BindPort(uint16_t port, bool tls) {
  const uint16_t requested = port;
  const size_t before = listeners.size();
  asio::io_context& ctx = pool.At(0);
  for (const std::string& host : options.bind) {
    boost::system::error_code ec;
    const asio::ip::address ip = asio::ip::make_address(host, ec);
    if (ec) return "Invalid bind address '" + host + "'";
    const tcp::endpoint ep(ip, port);
    auto l = std::make_unique<Listener>(ctx);
    l->acceptor.open(ep.protocol(), ec);
    if (ec && IsUnavailable(ec)) {
      spdlog::warn("Skipping bind address {}: {}", host, ec.message());
      continue;
    }
    if (!ec && ip.is_v6()) l->acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l->acceptor.bind(ep, ec);
    if (ec && (IsUnavailable(ec) || (requested == 0 && listeners.size() > before))) {
      // No such address here (no IPv6 loopback, say), or the ephemeral port chosen on the
      // first address is taken on this one.
      spdlog::warn("Skipping bind address {}: {}", host, ec.message());
      continue;
    }
    if (!ec) l->acceptor.listen(kListenBacklog, ec);
    if (ec)
      return "Could not create server TCP listening socket " + host + ":" + std::to_string(port) +
             ": " + ec.message();
    const tcp::endpoint local = l->acceptor.local_endpoint(ec);
    if (port == 0) port = local.port();
    l->address = FormatAddress(ip.to_string(), local.port());
    l->tls = tls;
    listeners.push_back(std::move(l));
  }
  if (listeners.size() == before) return std::string("Failed listening on every bind address");
  if (!tls) bound_port.store(port);
  return std::nullopt;
}

asio::awaitable<void> Server::Impl::AcceptLoop(Listener& listener) {
  for (;;) {
    asio::io_context& target = pool.Next();
    auto [ec, socket] = co_await listener.acceptor.async_accept(target, kNoThrow);
    if (stopping.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("Accepting client connection: {}", ec.message());
      // Out of descriptors and the like: back off briefly instead of spinning.
      asio::steady_timer pause(listener.acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    if (connected.load() >= static_cast<size_t>(std::max(0, maxclients.load()))) {
      counters.rejected_connections.fetch_add(1, std::memory_order_relaxed);
      boost::system::error_code wec;
      if (listener.tls) {  // Redis's reply cannot cross a handshake not yet made: just close
        socket.close(wec);
        continue;
      }
      // Best effort, like Redis: the socket is fresh, so the kernel takes the bytes at once.
      std::string refusal;
      ReplyBuilder(refusal).Error("ERR max number of clients reached");
      socket.non_blocking(true, wec);
      socket.write_some(asio::buffer(refusal), wec);
      socket.close(wec);
      continue;
    }
    boost::system::error_code pec;
    const auto peer = socket.remote_endpoint(pec);
    if (!pec && RefusedByProtectedMode(peer.address())) {
      counters.rejected_connections.fetch_add(1, std::memory_order_relaxed);
      if (listener.tls) {  // the text goes over TLS, after the handshake, as in Redis
        StartSession(std::move(socket), tls_context.Get(), kProtectedModeDenied);
        continue;
      }
      boost::system::error_code wec;
      socket.non_blocking(true, wec);
      socket.write_some(asio::buffer(kProtectedModeDenied), wec);
      socket.close(wec);
      continue;
    }
    StartSession(std::move(socket), listener.tls ? tls_context.Get() : nullptr);
  }
}

bool Server::Impl::RefusedByProtectedMode(const asio::ip::address& peer) const {
  if (!protected_mode.load(std::memory_order_relaxed)) return false;
  // As Redis 7.0: protected while the default user needs no password (requirepass or ACL).
  if (!self.acl().default_open()) return false;
  // Redis 7.0 compares the peer's text with "127.0.0.1" and "::1" only: 127.0.0.2 is refused.
  // An IPv4 client of a dual-stack socket shows as ::ffff:127.0.0.1, the same client.
  const auto v4_loopback = asio::ip::address_v4::loopback();
  if (peer.is_v4()) return peer.to_v4() != v4_loopback;
  const auto v6 = peer.to_v6();
  if (v6.is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, v6) != v4_loopback;
  }
  return !v6.is_loopback();
}

void Server::Impl::StartSession(tcp::socket socket, std::shared_ptr<TlsContext> tls,
                                std::string_view refusal) {
  const uint64_t id = next_client_id.fetch_add(1);
  const auto executor = socket.get_executor();  // the context this connection is pinned to
  auto session = std::make_shared<Session>(*this, std::move(socket), id, std::move(tls), refusal);
  {
    std::lock_guard lock(sessions_mu);
    sessions.emplace(id, session);
    connected.fetch_add(1);
  }
  counters.total_connections.fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("Accepted client id={}", id);
  asio::co_spawn(executor, session->Run(), asio::detached);
}

void Server::Impl::Unregister(uint64_t id) {
  {
    std::lock_guard lock(sessions_mu);
    if (sessions.erase(id) > 0) connected.fetch_sub(1);
  }
  sessions_cv.notify_all();
}

uint64_t Server::Impl::ClientMemoryLimit() const {
  const int64_t v = maxmemory_clients.load(std::memory_order_relaxed);
  if (v >= 0) return static_cast<uint64_t>(v);
  return cache.max_bytes() / 100 * static_cast<uint64_t>(-v);
}

// Redis's client eviction (7.0, networking.c evictClients) closes the largest clients first
// until the rest fit. Here it runs only when a session's buffers grow past the limit: a walk
// over the sessions, O(clients log clients), never on the request path of a client within it.
// A client already chosen stays counted until it has gone, so its memory is not freed twice.
bool Server::Impl::EvictClients(const Session* caller) {
  const uint64_t limit = ClientMemoryLimit();
  uint64_t total = 0;
  std::vector<std::pair<uint64_t, std::shared_ptr<Session>>> candidates;
  for (auto& s : SnapshotSessions()) {
    if (s->evicted()) continue;  // chosen before, on its way out: its memory is as good as freed
    const uint64_t mem = s->memory();
    total += mem;
    if (s->Evictable()) candidates.emplace_back(mem, std::move(s));
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  bool caller_evicted = false;
  for (auto& [mem, s] : candidates) {
    if (limit == 0 || total <= limit) break;
    if (!s->MarkEvicted()) continue;
    total -= mem;
    counters.evicted_clients.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("Evicting client id={} ({} bytes of buffers): maxmemory-clients {} reached",
                 s->id(), mem, limit);
    if (s.get() == caller) {
      caller_evicted = true;
    } else {
      s->Kill();
    }
  }
  return caller_evicted;
}

std::vector<std::shared_ptr<Session>> Server::Impl::SnapshotSessions() const {
  std::lock_guard lock(sessions_mu);
  std::vector<std::shared_ptr<Session>> out;
  out.reserve(sessions.size());
  for (const auto& [id, s] : sessions) out.push_back(s);
  return out;
}

std::shared_ptr<Session> Server::Impl::FindSession(uint64_t id) const {
  std::lock_guard lock(sessions_mu);
  auto it = sessions.find(id);
  return it == sessions.end() ? nullptr : it->second;
}

void Server::Impl::ScheduleCron() {
  cron->expires_after(std::chrono::milliseconds(std::max(1, options.cron_interval_ms)));
  cron->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping.load()) return;
    SweepIdleClients();
    SampleInstantaneousMetrics();
    ScheduleCron();
  });
}

void Server::Impl::SweepIdleClients() {
  const int timeout = timeout_s.load(std::memory_order_relaxed);
  if (timeout <= 0) return;
  const int64_t deadline = clock.NowMs() - int64_t{timeout} * 1000;
  for (const auto& s : SnapshotSessions()) {
    if (s->IdleSince(deadline)) {
      spdlog::debug("Closing idle client id={}", s->id());
      s->Kill();
    }
  }
}

void Server::Impl::SampleInstantaneousMetrics() {
  // Real elapsed time (not the cache clock, which tests drive by hand).
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  auto load = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  counters.ops_per_sec.Sample(now_ms, load(counters.total_commands));
  counters.input_bytes_per_sec.Sample(now_ms, load(counters.net_input_bytes));
  counters.output_bytes_per_sec.Sample(now_ms, load(counters.net_output_bytes));
}

void Server::Impl::WatchSignals() {
  signals->async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::warn("Received {} scheduling shutdown...", signo == SIGINT ? "SIGINT" : "SIGTERM");
    self.RequestShutdown();
  });
}

// --- Server ---

Server::Server(ServerOptions options, CacheManager& cache, const Dispatcher& dispatcher,
               ConfigRegistry& config, const Clock& clock)
    : impl_(std::make_unique<Impl>(*this, std::move(options), cache, dispatcher, config, clock)) {}

Server::~Server() { Stop(); }

std::optional<std::string> Server::Start() {
  Impl& s = *impl_;
  if (s.started) return std::string("server already started");
  if (auto err = s.Bind()) return err;
  s.started = true;
  if (s.protected_mode.load() && s.self.acl().default_open()) {
    for (const std::string& host : s.options.bind) {
      boost::system::error_code ec;
      const auto addr = asio::ip::make_address(host, ec);
      if (!ec && !addr.is_loopback()) {
        spdlog::warn(
            "Listening on {} with no password: protected mode is on, so only clients on this "
            "host (127.0.0.1, ::1) are served. Set requirepass to serve other hosts, or "
            "protected-mode no if this network is trusted.",
            host);
        break;
      }
    }
  }
  for (const auto& l : s.listeners) {
    spdlog::info("ready to accept connections on {}{}", l->address, l->tls ? " over TLS" : "");
    asio::co_spawn(s.pool.At(0), s.AcceptLoop(*l), asio::detached);
  }
  s.cron = std::make_unique<asio::steady_timer>(s.pool.At(0));
  s.ScheduleCron();
  if (s.options.handle_signals) {
    s.signals = std::make_unique<asio::signal_set>(s.pool.At(0), SIGINT, SIGTERM);
    s.WatchSignals();
  }
  s.pool.Start();
  return std::nullopt;
}

void Server::WaitForShutdown() {
  std::unique_lock lock(impl_->shutdown_mu);
  impl_->shutdown_cv.wait(lock, [this] { return impl_->shutdown_requested; });
}

bool Server::shutdown_requested() const {
  std::lock_guard lock(impl_->shutdown_mu);
  return impl_->shutdown_requested;
}

void Server::RequestShutdown() {
  {
    std::lock_guard lock(impl_->shutdown_mu);
    impl_->shutdown_requested = true;
  }
  impl_->shutdown_cv.notify_all();
}

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.stopping.store(true);
  // A runaway script would hold its I/O thread (and the acceptor's, on context 0) forever.
  AbortScript();
  // 1. Stop accepting. Acceptors, the sweep timer and the signal set belong to context 0: close
  // them on its thread. Once this has run, no accept handler can register another session.
  std::promise<void> closed;
  asio::post(s.pool.At(0), [&s, &closed] {
    boost::system::error_code ec;
    for (auto& l : s.listeners) l->acceptor.close(ec);
    if (s.cron) s.cron->cancel();
    if (s.signals) s.signals->cancel(ec);
    closed.set_value();
  });
  closed.get_future().wait();
  // 2. Let every session finish the batch in flight, then close.
  for (const auto& session : s.SnapshotSessions()) session->BeginShutdown();
  std::unique_lock lock(s.sessions_mu);
  const auto grace = std::chrono::milliseconds(std::max(0, s.options.shutdown_grace_ms));
  if (!s.sessions_cv.wait_for(lock, grace, [&s] { return s.sessions.empty(); })) {
    lock.unlock();
    spdlog::warn("closing {} clients that did not finish in time", s.connected.load());
    for (const auto& session : s.SnapshotSessions()) session->Kill();
    lock.lock();
    s.sessions_cv.wait_for(lock, std::chrono::seconds(1), [&s] { return s.sessions.empty(); });
  }
  lock.unlock();
  // 3. Join the I/O threads; anything left is destroyed with the contexts.
  s.pool.Stop();
  std::lock_guard clear(s.sessions_mu);
  s.sessions.clear();
}

std::vector<std::string> Server::listen_addresses() const {
  std::vector<std::string> out;
  for (const auto& l : impl_->listeners) out.push_back(l->address);
  return out;
}

// --- run-time settings ---

void Server::SetRequirePass(std::string pass) {
  acl().SetDefaultPassword(pass);
  std::lock_guard lock(impl_->pass_mu);
  impl_->pass_empty.store(pass.empty(), std::memory_order_release);
  impl_->requirepass = std::move(pass);
  impl_->pass_version.store(g_pass_generation.fetch_add(1) + 1, std::memory_order_release);
}

void Server::SetTimeout(int seconds) { impl_->timeout_s.store(seconds); }
void Server::SetMaxClients(int n) { impl_->maxclients.store(n); }
void Server::SetProtoMaxBulkLen(uint64_t n) { impl_->proto_max_bulk_len.store(n); }
void Server::SetClientQueryBufferLimit(uint64_t n) { impl_->client_query_buffer_limit.store(n); }
void Server::SetMaxMemoryClients(int64_t v) { impl_->maxmemory_clients.store(v); }
void Server::SetProtectedMode(bool on) { impl_->protected_mode.store(on); }
int Server::timeout() const { return impl_->timeout_s.load(); }
int Server::maxclients() const { return impl_->maxclients.load(); }
uint64_t Server::client_query_buffer_limit() const {
  return impl_->client_query_buffer_limit.load();
}

// --- ServerContext ---

ConfigRegistry& Server::config() { return impl_->config; }
ServerCounters& Server::counters() { return impl_->counters; }
int64_t Server::start_time_ms() const { return impl_->start_time_ms; }
uint16_t Server::port() const { return impl_->bound_port.load(); }
size_t Server::connected_clients() const { return impl_->connected.load(); }
uint64_t Server::clients_memory() const {
  return impl_->clients_memory.load(std::memory_order_relaxed);
}
uint64_t Server::proto_max_bulk_len() const { return impl_->proto_max_bulk_len.load(); }
std::string Server::config_file() const { return impl_->options.config_file; }

const std::string& Server::requirepass() const {
  // The password can change at run time (CONFIG SET) while I/O threads read it, so each thread
  // keeps its own copy, refreshed under the lock only when the generation moved: the common
  // path is one atomic load.
  thread_local uint64_t seen = 0;
  thread_local std::string copy;
  const uint64_t version = impl_->pass_version.load(std::memory_order_acquire);
  if (seen != version) {
    std::lock_guard lock(impl_->pass_mu);
    copy = impl_->requirepass;
    seen = impl_->pass_version.load(std::memory_order_relaxed);
  }
  return copy;
}

std::string Server::ClientList(std::span<const uint64_t> ids) const {
  if (ids.empty()) return ClientListWhere({});
  std::string out;
  const int64_t now = impl_->clock.NowMs();
  for (uint64_t id : ids) {
    if (auto s = impl_->FindSession(id)) {
      s->AppendInfo(out, now);
      out.push_back('\n');
    }
  }
  return out;
}

std::string Server::ClientListOfType(ClientType type) const {
  return ClientListWhere([type](const ClientState& c) { return ClientTypeOf(c) == type; });
}

std::string Server::ClientListWhere(const std::function<bool(const ClientState&)>& match) const {
  std::string out;
  const int64_t now = impl_->clock.NowMs();
  for (const auto& s : impl_->SnapshotSessions()) {
    if (match && !s->Matches(match)) continue;
    s->AppendInfo(out, now);
    out.push_back('\n');
  }
  return out;
}

std::string Server::ClientInfo(const ClientState& c) const {
  std::string out;
  ClientIoInfo io;
  if (auto s = impl_->FindSession(c.id)) io = s->io_info();
  AppendClientInfo(out, c, io, impl_->clock.NowMs());
  return out;
}

size_t Server::KillClients(const std::function<bool(const ClientState&)>& match) {
  size_t killed = 0;
  Session* current = Session::Current();
  for (const auto& s : impl_->SnapshotSessions()) {
    // A session already killed is gone as far as clients can tell (Redis frees it at once): it
    // may still be listed until its thread has closed it, but it is not killed or counted again.
    if (s->live().kill_requested.load(std::memory_order_relaxed)) continue;
    if (!s->Matches(match)) continue;
    ++killed;
    if (s.get() == current) {
      // Killing itself: the reply of this command is still written, then the session closes.
      s->live().kill_requested.store(true, std::memory_order_relaxed);
    } else {
      s->Kill();
    }
  }
  return killed;
}

}  // namespace cairn
