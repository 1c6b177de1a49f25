// The network server: TCP listeners on every bind address, a pool of io_contexts (one thread
// each, Asio's io_context-per-thread pattern), connections pinned round-robin to them and one
// C++20 coroutine per connection (src/server/session.cc). Each read is parsed into as many
// complete commands as it holds; their replies are appended to one buffer and sent with one write
// (pipelining). The server implements ServerContext for the commands (CLIENT, INFO, SHUTDOWN ...).
//
// Asio stays out of this header (pimpl): main and tests see only this interface.
//
// Threads: `io_threads` I/O threads; Start/WaitForShutdown/Stop are called from a non-I/O thread
// (main). Every other public method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/command/context.h"

namespace cairn {

class CacheManager;
class Clock;
class ConfigRegistry;
class PersistenceService;
class Dispatcher;
struct ServerConfig;

// The Cairn version ("0.1.0"), from the CMake project version.
const char* ServerVersion();

// tls-auth-clients: a client certificate is required, checked when sent, or not asked for.
enum class TlsClientAuth : uint8_t { kNo, kYes, kOptional };

// The TLS keys of the config (tls_context.h builds an OpenSSL context from them).
struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string key_file_pass;
  std::string ca_cert_file;
  std::string ca_cert_dir;
  TlsClientAuth auth_clients = TlsClientAuth::kYes;
  std::string protocols;  // "TLSv1.2 TLSv1.3" ("" = those two)
  std::string ciphers;
  std::string ciphersuites;
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  int session_cache_size = 20 * 1024;
  int session_cache_timeout_s = 300;

  static TlsOptions FromConfig(const ServerConfig& cfg);
};

struct ServerOptions {
  std::vector<std::string> bind{"127.0.0.1", "::1"};
  // 0 = an ephemeral port (the same one for every bind address), or, when tls_port is set, no
  // plain TCP listener (Redis's port 0).
  uint16_t port = 6379;
  uint16_t tls_port = 0;  // 0 = no TLS listener
  TlsOptions tls;
  int tls_handshake_timeout_ms = 10000;
  int io_threads = 0;  // 0 = hardware concurrency
  std::string requirepass;
  int timeout_s = 0;  // close clients idle this long; 0 = never
  int maxclients = 10000;
  bool protected_mode = true;  // see ServerConfig::protected_mode
  uint64_t proto_max_bulk_len = 512ull * 1024 * 1024;
  uint64_t client_query_buffer_limit = 1024ull * 1024 * 1024;
  int64_t maxmemory_clients = 0;  // see ServerConfig::maxmemory_clients
  std::string config_file;        // CONFIG REWRITE target ("" = none)
  bool handle_signals = false;    // SIGTERM / SIGINT request a shutdown (main sets it)
  int cron_interval_ms = 100;     // idle-client sweep period
  int shutdown_grace_ms = 5000;   // Stop(): how long in-flight replies may take before a hard close

  static ServerOptions FromConfig(const ServerConfig& cfg);
};

class Server final : public ServerContext {
 public:
  // `clock` drives client ages, idle times and the idle timeout (tests inject a ManualClock).
  Server(ServerOptions options, CacheManager& cache, const Dispatcher& dispatcher,
         ConfigRegistry& config, const Clock& clock);
  ~Server() override;  // Stop()s if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener (an address family the machine lacks is skipped with a warning), logs
  // "ready to accept connections on <host>:<port>" for each and starts the I/O threads. Returns an
  // error message when nothing could be bound.
  std::optional<std::string> Start();
  // Blocks until a shutdown is requested (SHUTDOWN, RequestShutdown, SIGTERM/SIGINT).
  void WaitForShutdown();
  bool shutdown_requested() const;
  // Graceful stop: stops accepting, lets in-flight replies finish (up to shutdown_grace_ms),
  // closes every connection and joins the I/O threads. Idempotent. Not from an I/O thread.
  void Stop();

  // "host:port" of every listener, in bind order ("[::1]:6379" for IPv6); the TLS listeners
  // follow the plain ones.
  std::vector<std::string> listen_addresses() const;

  // Run-time settings (CONFIG SET), thread-safe; they apply to the next batch of each client.
  void SetRequirePass(std::string pass);
  void SetTimeout(int seconds);
  void SetMaxClients(int n);
  void SetProtoMaxBulkLen(uint64_t n);
  void SetClientQueryBufferLimit(uint64_t n);
  void SetMaxMemoryClients(int64_t v);
  void SetProtectedMode(bool on);
  // A new TLS context from `tls` for the connections accepted from now on (CONFIG SET tls-*);
  // existing connections keep theirs. No-op without a TLS listener. On failure the current
  // context stays and the reason is returned (and logged).
  std::optional<std::string> ReloadTls(const TlsOptions& tls);
  void SetTlsHandshakeTimeout(int ms);
  int timeout() const;
  int maxclients() const;
  uint64_t client_query_buffer_limit() const;

  // --- ServerContext ---
  ConfigRegistry& config() override;
  ServerCounters& counters() override;
  const std::string& requirepass() const override;
  int64_t start_time_ms() const override;
  uint16_t port() const override;
  size_t connected_clients() const override;
  uint64_t clients_memory() const override;
  uint64_t proto_max_bulk_len() const override;
  std::string ClientList(std::span<const uint64_t> ids = {}) const override;
  std::string ClientListOfType(ClientType type) const override;
  std::string ClientInfo(const ClientState& c) const override;
  size_t KillClients(const std::function<bool(const ClientState&)>& match) override;
  void RequestShutdown() override;
  std::string config_file() const override;
  // Persistence and undo settings (server_persistence.cc).
  void SetPersistence(PersistenceService* persistence);
  PersistenceService* persistence() override;
  bool loading() const override;
  void SetUndoLimits(size_t depth, uint64_t max_bytes);
  size_t undo_depth() const override;
  uint64_t undo_max_bytes() const override;
  // Pub/sub, keyspace notifications, slowlog, MONITOR (server_observability.cc). Set before
  // Start(); `observability` must outlive the server.
  void SetObservability(Observability* observability);
  Observability* observability() override;

  struct Impl;

 private:
  // CLIENT LIST lines of the clients `match` accepts (every client when `match` is empty).
  std::string ClientListWhere(const std::function<bool(const ClientState&)>& match) const;

  std::unique_ptr<Impl> impl_;
  std::atomic<PersistenceService*> persistence_{nullptr};
  std::atomic<size_t> undo_depth_{16};
  std::atomic<uint64_t> undo_max_bytes_{uint64_t{1} << 20};
  std::atomic<Observability*> observability_{nullptr};
};

}  // namespace cairn
