// The command table: one row per command, registered explicitly by each family
// (RegisterStringCommands(table) ...). Lookup is case-insensitive and allocation-free.
#pragma once

#include <algorithm>
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

// The key arguments of a command line, derived from its table row (first_key, last_key,
// key_step) in argument order, repeats kept: the one place where keys come from the command
// spec. The cluster gate, client tracking, WATCH/EXEC (UNDO step, one-slot check), UNDO,
// COMMAND GETKEYS and AppendCommandKeys all walk it. A view over `args`: no allocation.
// A row whose last key lies past the arguments yields the keys that are there (complete() is
// false: COMMAND GETKEYS refuses it, as Redis does).
class CommandKeys {
 public:
  CommandKeys(const CommandSpec& spec, Args args) : args_(args) {
    if (spec.first_key <= 0) return;
    const auto argc = static_cast<int64_t>(args.size());
    const int64_t last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
    first_ = static_cast<size_t>(spec.first_key);
    step_ = spec.key_step > 0 ? static_cast<size_t>(spec.key_step) : 1;
    complete_ = last < argc && last >= spec.first_key;
    const int64_t end = std::min(last, argc - 1);
    if (end >= spec.first_key) {
      const auto span = static_cast<size_t>(end - spec.first_key);
      count_ = (step_ == 1 ? span : span / step_) + 1;  // no division for the usual rows
    }
  }
  // The key of a single-key row (GET, SET, INCR ...: first == last) when present, else nullptr:
  // the per-request shortcut (UNDO's capture), a few instructions instead of the full walk.
  static const std::string_view* Single(const CommandSpec& spec, Args args) {
    if (spec.first_key <= 0 || spec.first_key != spec.last_key) return nullptr;
    const auto pos = static_cast<size_t>(spec.first_key);
    return pos < args.size() ? &args[pos] : nullptr;
  }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool complete() const { return complete_; }
  // Where key `i` is in args: first() + i * step().
  size_t position(size_t i) const { return first_ + i * step_; }
  size_t first() const { return first_; }
  size_t step() const { return step_; }
  std::string_view operator[](size_t i) const { return args_[position(i)]; }

  class iterator {
   public:
    iterator(const CommandKeys* keys, size_t i) : keys_(keys), i_(i) {}
    std::string_view operator*() const { return (*keys_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const CommandKeys* keys_;
    size_t i_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, count_}; }

 private:
  Args args_;
  size_t first_ = 0, step_ = 1, count_ = 0;
  bool complete_ = false;
};

// Appends CommandKeys(spec, args) to `out`.
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
  // The spec a command line resolves to: its subcommand's for a container command given one
  // (nullptr when that subcommand is unknown), nullptr for an unknown command.
  const CommandSpec* Resolve(Args args) const {
    const CommandSpec* spec = args.empty() ? nullptr : Find(args[0]);
    if (spec == nullptr || spec->subcommands.empty() || args.size() < 2) return spec;
    return FindSubcommand(*spec, args[1]);
  }
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
