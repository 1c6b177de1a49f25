// The dispatcher: a list of small gates run in order for each command:
// lookup -> arity -> auth -> cluster -> (limits / OOM / loading) -> execute, with counters.
#pragma once

#include "cairn/command/command_table.h"
#include "cairn/command/context.h"

namespace cairn {

class Dispatcher {
 public:
  // `cluster`: cluster mode's state (cluster-enabled yes), or nullptr.
  explicit Dispatcher(const CommandTable& table, cluster::ClusterState* cluster = nullptr)
      : table_(table), cluster_(cluster) {}
  // Executes one command (args[0] is the name) and appends exactly one reply (or none when the
  // client's reply mode suppresses it).
  void Execute(CommandContext& ctx, Args args) const;
  // Runs one command of a transaction for EXEC (ctx.client.in_exec set): no gates (they ran when
  // it was queued), no queueing, no UNDO step of its own; appends exactly one reply.
  void RunQueued(CommandContext& ctx, Args args) const;
  const CommandTable& table() const { return table_; }

 private:
  const CommandTable& table_;
  cluster::ClusterState* const cluster_;
};

}  // namespace cairn
