// Server internals shared by server.cc (listeners, registry, shutdown, ServerContext) and
// session.cc (one coroutine per connection).
//
// Threads and locks (see README "Architecture"):
//   - main thread: Start / WaitForShutdown / Stop.
//   - I/O thread i runs io_context i: the acceptors, the idle sweep and the signal set live on
//     context 0; a session lives on the context it was pinned to, and only that thread touches
//     its socket, timer, buffers and live ClientState.
//   - sessions_mu_ guards the session registry (taken per connect / disconnect, CLIENT LIST /
//     KILL, the idle sweep; never per request). Session::shown_mu_ guards one session's
//     snapshot. Order: sessions_mu_ -> shown_mu_. Neither is held while executing a command or
//     doing I/O, and no command runs while a session holds its shown_mu_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cairn/command/context.h"
#include "cairn/server/server.h"
#include "io_context_pool.h"
#include "tls_context.h"

namespace cairn {

class Session;

struct Listener {
  explicit Listener(boost::asio::io_context& ctx) : acceptor(ctx) {}
  boost::asio::ip::tcp::acceptor acceptor;
  std::string address;  // "127.0.0.1:6379", "[::1]:6379"
  bool tls = false;     // tls-port: connections start with a TLS handshake
};

struct Server::Impl {
  Impl(Server& self, ServerOptions options, CacheManager& cache, const Dispatcher& dispatcher,
       ConfigRegistry& config, const Clock& clock);

  // --- wiring ---
  Server& self;
  const ServerOptions options;
  CacheManager& cache;
  const Dispatcher& dispatcher;
  ConfigRegistry& config;
  const Clock& clock;
  ServerCounters counters;
  const int64_t start_time_ms;

  // --- run-time settings (CONFIG SET) ---
  std::atomic<int> timeout_s;
  std::atomic<int> maxclients;
  std::atomic<uint64_t> proto_max_bulk_len;
  std::atomic<uint64_t> client_query_buffer_limit;
  std::atomic<int64_t> maxmemory_clients;
  std::atomic<bool> protected_mode;
  mutable std::mutex pass_mu;
  std::string requirepass;                // guarded by pass_mu
  std::atomic<uint64_t> pass_version{0};  // process-unique generation of `requirepass`
  std::atomic<bool> pass_empty{true};
  std::atomic<int> tls_handshake_timeout_ms;
  TlsContextSlot tls_context;  // set when tls-port is; replaced by ReloadTls

  // --- network ---
  IoContextPool pool;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::atomic<uint16_t> bound_port{0};
  std::unique_ptr<boost::asio::steady_timer> cron;
  std::unique_ptr<boost::asio::signal_set> signals;

  // --- sessions ---
  mutable std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::map<uint64_t, std::shared_ptr<Session>> sessions;  // by id = connection order
  std::atomic<size_t> connected{0};
  std::atomic<uint64_t> next_client_id{1};
  // Bytes held by every session's buffers (Session::AccountMemory), for maxmemory-clients and
  // INFO mem_clients_normal.
  std::atomic<uint64_t> clients_memory{0};

  // --- lifecycle ---
  std::mutex shutdown_mu;
  std::condition_variable shutdown_cv;
  bool shutdown_requested = false;  // guarded by shutdown_mu
  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;

  std::optional<std::string> Bind();
  // Listeners on every bind address for `port` (TLS ones when `tls`).
  std::optional<std::string> BindPort(uint16_t port, bool tls);
  // protected-mode: true when a client from `peer` must be refused (no password is set and the
  // peer is not 127.0.0.1 or ::1).
  bool RefusedByProtectedMode(const boost::asio::ip::address& peer) const;
  boost::asio::awaitable<void> AcceptLoop(Listener& listener);
  // `tls`: the context of a TLS listener's connection (nullptr for plain TCP). `refusal`: a
  // refused TLS client's error text (static), sent after the handshake instead of serving it.
  void StartSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<TlsContext> tls,
                    std::string_view refusal = {});
  void Unregister(uint64_t id);
  void ScheduleCron();
  void SweepIdleClients();
  void SampleInstantaneousMetrics();  // INFO instantaneous_* (cron thread only)
  void WatchSignals();
  std::vector<std::shared_ptr<Session>> SnapshotSessions() const;
  std::shared_ptr<Session> FindSession(uint64_t id) const;
  // maxmemory-clients in bytes now (a percentage follows maxmemory); 0 = no limit.
  uint64_t ClientMemoryLimit() const;
  // Closes the clients with the largest buffers (CLIENT NO-EVICT ones spared) until the rest
  // fit in maxmemory-clients. Called by a session whose buffers just grew past the limit; returns
  // true when that session (`caller`) is one of those closed.
  bool EvictClients(const Session* caller);
};

}  // namespace cairn
