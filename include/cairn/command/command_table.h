// The command table: one row per command, registered explicitly by each family
// (RegisterStringCommands(table) ...). Lookup is case-insensitive and allocation-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/command/context.h"
#include "cairn/observability/latency_histogram.h"

namespace cairn {

enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,     // may modify the keyspace
  kCmdReadOnly = 1u << 1,  // reads the keyspace
  kCmdFast = 1u << 2,      // O(1) or O(log n)
  kCmdNoAuth = 1u << 3,    // allowed before AUTH (AUTH, HELLO, QUIT)
  kCmdAdmin = 1u << 4,     // CONFIG, SHUTDOWN, DEBUG ...
  kCmdNoScript = 1u << 5,
  kCmdLoading = 1u << 6,  // allowed while loading
  kCmdStale = 1u << 7,
  kCmdDenyOom = 1u << 8,  // refused with -OOM when the cache is over its budget
  kCmdPubSub = 1u << 9,
  kCmdSkipMonitor = 1u << 10,
  kCmdDangerous = 1u << 11,  // ACL category @dangerous (KEYS, FLUSHALL ...), COMMAND INFO only
  kCmdNoMulti = 1u << 12,    // refused inside MULTI (SAVE, SHUTDOWN ...: Redis's no-multi)
  kCmdTxControl = 1u << 13,  // runs at once inside MULTI (MULTI EXEC DISCARD WATCH QUIT RESET)
  kCmdExclusive = 1u << 14,  // runs with the exclusive gate held (EXEC: atomic across shards)
  kCmdAllowBusy = 1u << 15,  // runs outside the gate, even while a script is busy (SCRIPT KILL)
};

// Per-command counters for INFO commandstats (cmdstat_<name>:calls=..,usec=..,rejected_calls=..,
// failed_calls=..). Relaxed atomics, updated by the dispatcher; copyable so that specs can be
// built by value.
struct CommandStats {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> usec{0};
  std::atomic<uint64_t> rejected_calls{0};  // refused by a dispatcher gate (arity, auth ...)
  std::atomic<uint64_t> failed_calls{0};    // executed and replied with an error

  // INFO latencystats / Prometheus: created by the dispatcher on the command's first timed call
  // (latency-tracking yes) and owned here. Not copied: a copy starts without one, and an
  // assignment keeps its own (CONFIG RESETSTAT resets it).
  std::atomic<LatencyHistogram*> latency{nullptr};

  CommandStats() = default;
  ~CommandStats() { delete latency.load(std::memory_order_relaxed); }
  CommandStats(const CommandStats& o) { *this = o; }
  CommandStats& operator=(const CommandStats& o) {
    calls.store(o.calls.load(std::memory_order_relaxed), std::memory_order_relaxed);
    usec.store(o.usec.load(std::memory_order_relaxed), std::memory_order_relaxed);
    rejected_calls.store(o.rejected_calls.load(std::memory_order_relaxed),
                         std::memory_order_relaxed);
    failed_calls.store(o.failed_calls.load(std::memory_order_relaxed), std::memory_order_relaxed);
    return *this;
  }
};

using CommandHandler = void (*)(CommandContext& ctx, Args args);

struct CommandSpec {
  std::string name;  // lower case
  int arity = 0;     // Redis convention: >0 exact argc (incl. name), <0 at least -arity
  uint32_t flags = 0;
  int first_key = 0;  // 0 = no keys
  int last_key = 0;   // -1 = last argument
  int key_step = 0;
  CommandHandler handler = nullptr;
  std::string group;    // "string", "keyspace", "connection", "server" (COMMAND DOCS)
  std::string summary;  // one line (COMMAND DOCS)
  // Container commands (Redis 7.0): when non-empty, the dispatcher resolves args[1] among these
  // (case-insensitively) and runs the subcommand's arity check and handler; an unknown
  // subcommand gets "ERR unknown subcommand 'x'. Try CONFIG HELP.". A subcommand whose handler is
  // null runs the parent's handler (which then sees the full args, args[1] being the
  // subcommand). With only args[0] the parent's own arity applies (e.g. -2: an arity error).
  // Subcommand `name` is the bare lower-case word ("get"); Register fills `full_name`.
  std::vector<CommandSpec> subcommands;  // CONFIG GET, CLIENT LIST ... (COMMAND INFO)
  std::string since = "1.0.0";           // COMMAND DOCS
  // ACL categories without '@' for COMMAND INFO / LIST; empty = derived from flags and group.
  std::vector<std::string> acl_categories;
  std::string full_name;       // set by Register: "get", "config|get" (errors, COMMAND INFO)
  uint32_t id = 0;             // set by Register: unique per command and subcommand (ACL bits)
  mutable CommandStats stats;  // INFO commandstats
};

// The argument positions of a command's keys by its table row (first / last / step), in
// argument order, repeats kept: the one key extraction (AppendCommandKeys, ACL key checks).
template <typename Fn>
void ForEachKeyIndex(const CommandSpec& spec, size_t argc, Fn&& fn) {
  if (spec.first_key <= 0) return;
  const auto n = static_cast<int64_t>(argc);
  const int64_t last = spec.last_key < 0 ? n + spec.last_key : spec.last_key;
  const int64_t step = spec.key_step > 0 ? spec.key_step : 1;
  for (int64_t i = spec.first_key; i <= last && i < n; i += step) fn(static_cast<size_t>(i));
}

// The keys of a command by its table row (first / last / step), in argument order, repeats kept.
void AppendCommandKeys(const CommandSpec& spec, Args args, std::vector<std::string_view>& out);

// ACL categories without the '@', in Redis's order (keyspace read write ... string ... pubsub
// admin fast slow blocking dangerous connection ...): the row's own list, or derived from its
// flags and group (COMMAND INFO, ACL CAT and the ACL rules all read this).
std::vector<std::string_view> CommandCategories(const CommandSpec& spec);

class CommandTable {
 public:
  // Adds a command (a later registration of the same name replaces the earlier one). Not
  // thread-safe: the table is filled once at startup, then only read.
  void Register(CommandSpec spec);
  const CommandSpec* Find(std::string_view name) const;  // case-insensitive, allocation-free
  // Finds "get" or "config|get" (COMMAND INFO / DOCS names).
  const CommandSpec* FindFullName(std::string_view full_name) const;
  // A subcommand of `parent` by its bare name, case-insensitively; nullptr if none.
  static const CommandSpec* FindSubcommand(const CommandSpec& parent, std::string_view name);
  const std::vector<CommandSpec>& all() const { return commands_; }
  // One more than the largest CommandSpec::id given so far.
  uint32_t id_count() const { return next_id_; }

 private:
  void Rehash();

  std::vector<CommandSpec> commands_;
  // Open-addressing hash over the lower-case names: 0 = empty, otherwise index + 1.
  std::vector<uint32_t> slots_;
  uint32_t next_id_ = 0;
};

// Registers every built-in command family.
void RegisterAllCommands(CommandTable& table);

}  // namespace cairn
