// What a command sees when it runs: the cache, the server it runs in, the calling client's state
// and the reply builder. The server (src/server) implements ServerContext; command unit tests use
// a fake. Commands reach data only through CacheManager.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "cairn/protocol/reply_builder.h"

namespace cairn {

class CacheManager;
class ConfigRegistry;

// Per-connection state. Owned by the session; read by CLIENT LIST from other threads only
// through ServerContext (which synchronises).
struct ClientState {
  enum class ReplyMode : uint8_t { kOn, kOff, kSkip };

  uint64_t id = 0;
  std::string name;
  std::string addr;   // "ip:port" of the peer
  std::string laddr;  // "ip:port" of the local end
  std::string lib_name, lib_ver;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  bool authenticated = false;
  int resp = 2;
  ReplyMode reply_mode = ReplyMode::kOn;
  bool skip_next_reply = false;   // CLIENT REPLY SKIP
  bool close_after_reply = false; // QUIT, CLIENT KILL of self, protocol errors
  std::string last_command;
  std::atomic<bool> kill_requested{false};
};

// Counters kept by the server (INFO stats / clients).
struct ServerCounters {
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> total_commands{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
};

class ServerContext {
 public:
  virtual ~ServerContext() = default;
  virtual ConfigRegistry& config() = 0;
  virtual ServerCounters& counters() = 0;
  virtual const std::string& requirepass() const = 0;
  virtual int64_t start_time_ms() const = 0;
  virtual uint16_t port() const = 0;
  virtual size_t connected_clients() const = 0;
  // CLIENT LIST lines (Redis format), for all clients or the given ids.
  virtual std::string ClientList(std::span<const uint64_t> ids = {}) const = 0;
  // CLIENT INFO line for one client.
  virtual std::string ClientInfo(const ClientState& c) const = 0;
  // Marks matching clients to be closed; returns how many matched.
  virtual size_t KillClients(const std::function<bool(const ClientState&)>& match) = 0;
  // Stops the server gracefully after the current replies are written.
  virtual void RequestShutdown() = 0;
};

struct CommandContext {
  CacheManager& cache;
  ServerContext& server;
  ClientState& client;
  ReplyBuilder& reply;
};

using Args = std::span<const std::string_view>;

}  // namespace cairn
