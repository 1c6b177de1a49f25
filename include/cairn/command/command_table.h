// The command table: one row per command, registered explicitly by each family
// (RegisterStringCommands(table) ...). Lookup is case-insensitive and allocation-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/command/context.h"

namespace cairn {

enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,      // may modify the keyspace
  kCmdReadOnly = 1u << 1,   // reads the keyspace
  kCmdFast = 1u << 2,       // O(1) or O(log n)
  kCmdNoAuth = 1u << 3,     // allowed before AUTH (AUTH, HELLO, QUIT)
  kCmdAdmin = 1u << 4,      // CONFIG, SHUTDOWN, DEBUG ...
  kCmdNoScript = 1u << 5,
  kCmdLoading = 1u << 6,    // allowed while loading
  kCmdStale = 1u << 7,
  kCmdDenyOom = 1u << 8,    // refused with -OOM when the cache is over its budget
  kCmdPubSub = 1u << 9,
  kCmdSkipMonitor = 1u << 10,
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
  std::vector<CommandSpec> subcommands;  // CONFIG GET, CLIENT LIST ... (COMMAND INFO)
};

class CommandTable {
 public:
  void Register(CommandSpec spec);
  const CommandSpec* Find(std::string_view name) const;  // case-insensitive
  const std::vector<CommandSpec>& all() const { return commands_; }

 private:
  std::vector<CommandSpec> commands_;
  // name -> index, lower case
  std::vector<std::pair<std::string, size_t>> index_;
};

// Registers every built-in command family.
void RegisterAllCommands(CommandTable& table);

}  // namespace cairn
