// What a command sees when it runs: the cache, the server it runs in, the calling client's state
// and the reply builder. The server (src/server) implements ServerContext; command unit tests use
// a fake. Commands reach data only through CacheManager.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/command/instantaneous_metric.h"
#include "cairn/protocol/reply_builder.h"

namespace cairn {

class CacheManager;
class CommandTable;
class PersistenceService;
class ConfigRegistry;
class UndoHistory;     // src/command/undo_history.h (private to the command module)
class Transaction;     // src/command/transaction.h (private to the command module)
class ScriptEngine;    // src/command/script_engine.h (private to the command module)
class Subscriber;      // cairn/pubsub/pubsub_hub.h
struct Observability;  // cairn/command/observability.h
class Acl;             // cairn/command/acl.h
struct AclUser;        // cairn/command/acl.h
namespace cluster {
class ClusterState;  // cairn/cluster/cluster_state.h
}

// Deletes an UndoHistory where its type is complete (src/command), so that ClientState can be
// destroyed anywhere.
struct UndoHistoryDeleter {
  void operator()(UndoHistory* history) const;
};

// Deletes the ScriptEngine where its type is complete (src/command).
struct ScriptEngineDeleter {
  void operator()(ScriptEngine* engine) const;
};

// Deletes a Transaction (which unwatches its keys) where its type is complete (src/command).
struct TransactionDeleter {
  void operator()(Transaction* tx) const;
};

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
  // ACL: the user this connection runs as (null until its first command: "default") and the
  // Acl::version() it was read at (Acl::ClientUser refreshes it when the users changed).
  std::shared_ptr<const AclUser> acl_user;
  uint64_t acl_version = 0;
  int resp = 2;
  // CLIENT REPLY. OFF: set reply_mode = kOff (the dispatcher drops every reply, OFF's own
  // included, until ON). SKIP: set skip_next_reply = true (or reply_mode = kSkip); the dispatcher
  // drops the reply of the SKIP command itself and of the next command, then returns to kOn
  // (unless that command is CLIENT REPLY ON, which is answered, as in Redis). Pushes (subscribe
  // confirmations, messages) are never dropped.
  ReplyMode reply_mode = ReplyMode::kOn;
  bool skip_next_reply = false;    // CLIENT REPLY SKIP
  bool close_after_reply = false;  // QUIT, CLIENT KILL of self, protocol errors
  // DEBUG SLEEP: after the command, the session pauses this connection (an asio timer, never the
  // I/O thread) for this many microseconds, then resets it to 0.
  int64_t sleep_us = 0;
  // CONFIG SET eviction-policy: the rebuild runs on a background thread; the session holds this
  // connection's reply (and its next commands) while the flag is true, polling it with the same
  // timer, so the I/O thread goes on serving everyone else. Reset to nullptr when done.
  const std::atomic<bool>* wait_while = nullptr;
  std::string last_command;
  std::atomic<bool> kill_requested{false};
  // UNDO / REDO: this connection's own write history, created by its first recorded write (a
  // read-only client pays nothing). Only this connection's commands touch it.
  std::unique_ptr<UndoHistory, UndoHistoryDeleter> undo;
  // Pub/sub: the session's Subscriber (null where the connection cannot receive pushes) and
  // this connection's channel and pattern subscriptions (CLIENT LIST sub= / psub=). While either
  // is non-zero a RESP2 connection is in pub/sub mode. MONITOR: the connection streams commands.
  Subscriber* subscriber = nullptr;
  uint32_t sub_channels = 0;
  uint32_t sub_patterns = 0;
  bool monitor = false;
  bool no_evict = false;  // CLIENT NO-EVICT ON: spared by maxmemory-clients (flag 'e')
  // MULTI / EXEC / WATCH (transaction.h): the queue and the watched keys, created by the first
  // MULTI or WATCH. in_multi: between MULTI and EXEC / DISCARD (CLIENT LIST flags=x);
  // multi_count: commands queued (CLIENT LIST multi=, -1 outside MULTI). in_exec: EXEC is
  // running the queued commands (the dispatcher runs them instead of queueing them).
  std::unique_ptr<Transaction, TransactionDeleter> tx;
  bool in_multi = false;
  bool in_exec = false;
  int32_t multi_count = -1;
  // Cluster mode's ASKING: 2 when set by the command just run, 1 while the next command (or a
  // MULTI ... EXEC block) may use it on a slot being imported, 0 otherwise (the dispatcher
  // counts it down after each command outside MULTI, as Redis's resetClient clears the flag).
  uint8_t asking = 0;
  bool in_pubsub() const { return sub_channels + sub_patterns != 0; }
  // CLIENT TRACKING: this connection's options (the tracking table, cairn/pubsub/tracking.h,
  // holds the keys it read). caching: CLIENT CACHING YES / NO, for the next command only.
  struct Tracking {
    enum class Caching : uint8_t { kNone, kYes, kNo };
    bool on = false;
    bool bcast = false;
    bool optin = false;
    bool optout = false;
    bool noloop = false;
    Caching caching = Caching::kNone;
    uint64_t redirect = 0;
    std::vector<std::string> prefixes;
  };
  Tracking tracking;
};

// Redis's client classes (networking.c getClientType), for CLIENT LIST TYPE, CLIENT KILL TYPE and
// client-output-buffer-limit. Cairn has no replicas or masters, so ClientTypeOf gives kNormal or
// kPubSub: pubsub while the client has at least one channel or pattern subscription, normal
// otherwise (a MONITOR client is normal, as in Redis).
enum class ClientType : uint8_t { kNormal, kPubSub, kReplica, kMaster };

inline ClientType ClientTypeOf(const ClientState& c) {
  return c.in_pubsub() ? ClientType::kPubSub : ClientType::kNormal;
}

// The class's name in Redis's syntax ("normal", "pubsub", "replica", "master").
inline const char* ClientTypeName(ClientType type) {
  switch (type) {
    case ClientType::kPubSub:
      return "pubsub";
    case ClientType::kReplica:
      return "replica";
    case ClientType::kMaster:
      return "master";
    case ClientType::kNormal:
      break;
  }
  return "normal";
}

// Counters kept by the server (INFO stats / clients).
struct ServerCounters {
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> total_commands{0};       // commands executed (not those refused)
  std::atomic<uint64_t> total_error_replies{0};  // every error reply (refusals included)
  std::atomic<uint64_t> rejected_connections{0};
  // Clients closed for breaking client-output-buffer-limit, every class (INFO stats
  // client_output_buffer_limit_disconnections, as in Redis 7.4).
  std::atomic<uint64_t> output_buffer_limit_disconnections{0};
  // Clients closed by maxmemory-clients (INFO stats evicted_clients).
  std::atomic<uint64_t> evicted_clients{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  // instantaneous_ops_per_sec / _input_kbps / _output_kbps: the server cron samples the totals.
  InstantaneousMetric ops_per_sec;
  InstantaneousMetric input_bytes_per_sec;
  InstantaneousMetric output_bytes_per_sec;
};

// Creates the server's ACL users (acl.cc).
std::shared_ptr<Acl> MakeAcl();

class ServerContext {
 public:
  ServerContext();  // creates the script engine (script_engine.cc)
  virtual ~ServerContext();
  virtual ConfigRegistry& config() = 0;
  virtual ServerCounters& counters() = 0;
  virtual const std::string& requirepass() const = 0;
  virtual int64_t start_time_ms() const = 0;
  virtual uint16_t port() const = 0;
  virtual size_t connected_clients() const = 0;
  // Bytes held by the clients' query and reply buffers (INFO mem_clients_normal).
  virtual uint64_t clients_memory() const { return 0; }
  // Largest string a command may build (APPEND, SETRANGE): config proto-max-bulk-len.
  virtual uint64_t proto_max_bulk_len() const { return 512ull * 1024 * 1024; }
  // CLIENT LIST lines (Redis format), for all clients or the given ids.
  virtual std::string ClientList(std::span<const uint64_t> ids = {}) const = 0;
  // CLIENT LIST TYPE: the lines of the clients whose ClientTypeOf is `type`.
  virtual std::string ClientListOfType(ClientType /*type*/) const { return {}; }
  // CLIENT INFO line for one client.
  virtual std::string ClientInfo(const ClientState& c) const = 0;
  // Marks matching clients to be closed; returns how many matched.
  virtual size_t KillClients(const std::function<bool(const ClientState&)>& match) = 0;
  // Stops the server gracefully after the current replies are written.
  virtual void RequestShutdown() = 0;
  // The config file the server was started with ("" if none): CONFIG REWRITE, INFO.
  virtual std::string config_file() const { return {}; }
  // UNDO / REDO bounds per connection: config undo-depth (steps kept, 0 = undo off) and
  // undo-max-bytes (keys and values kept). Read on every write, so changes apply at once.
  virtual size_t undo_depth() const { return 16; }
  virtual uint64_t undo_max_bytes() const { return uint64_t{1} << 20; }
  // The persistence service (store, write policy, snapshots); nullptr when running without one.
  virtual PersistenceService* persistence() { return nullptr; }
  // True while warm-load runs: data commands answer -LOADING.
  virtual bool loading() const { return false; }
  // Pub/sub hub, keyspace notifier, slowlog, latency tracking (cairn/command/observability.h);
  // nullptr when the server runs without them.
  virtual Observability* observability() { return nullptr; }
  // EVAL / EVALSHA / SCRIPT: the server's Lua engine and script cache (script_engine.h).
  ScriptEngine& scripting() { return *scripting_; }
  // busy-reply-threshold (alias lua-time-limit), ms.
  void SetBusyReplyThreshold(int64_t ms);
  // Stops the running script, if any, even one that has written (shutdown).
  void AbortScript();
  // ACL users, permissions and ACL LOG (cairn/command/acl.h).
  Acl& acl() { return *acl_; }
  const Acl& acl() const { return *acl_; }

 private:
  std::unique_ptr<ScriptEngine, ScriptEngineDeleter> scripting_;
  std::shared_ptr<Acl> acl_ = MakeAcl();
};

struct CommandContext {
  CacheManager& cache;
  ServerContext& server;
  ClientState& client;
  ReplyBuilder& reply;
  // The table the command was found in (COMMAND introspection). Set by Dispatcher::Execute.
  const CommandTable* table = nullptr;
  // Wall-clock nanoseconds at which the previous command run through this context ended (0:
  // none yet). Set by Dispatcher::Execute, which times the next command from it: one clock read
  // per command instead of two in a pipelined batch. A caller that suspends between commands
  // (a DEBUG SLEEP, a mid-batch flush) uses a fresh context or resets this to 0.
  int64_t last_end_ns = 0;
  // Cluster mode's map and node id; nullptr when cluster-enabled is no. Set by
  // Dispatcher::Execute.
  cluster::ClusterState* cluster = nullptr;
  // A command a script runs (redis.call): MONITOR shows it as from "lua", as Redis does.
  bool from_script = false;
};

using Args = std::span<const std::string_view>;

}  // namespace cairn
