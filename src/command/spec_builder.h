// The one way the command families build their CommandSpec rows (what COMMAND INFO / DOCS and
// the dispatcher read). Private to the command module.
#pragma once

#include <cstdint>
#include <string_view>

#include "cairn/command/command_table.h"
#include "replies.h"

namespace cairn {

// Key positions as in Redis's command table: first key, last key (-1 = the last argument), step.
// {1, 1, 1}: one key at argv[1]; {1, -1, 1}: every argument from argv[1]; {1, -1, 2}: key value
// pairs. The default, {0, 0, 0}: no keys.
struct KeyRange {
  int first = 0;
  int last = 0;
  int step = 0;
};

// The handler of a container command (CONFIG, CLIENT ...). The dispatcher resolves args[1] among
// the subcommands and runs the parent's arity check when there is none, so this runs only when
// called directly; it answers as the dispatcher does for an unknown subcommand.
inline void ContainerCommand(CommandContext& ctx, Args args) {
  replies::UnknownSubcommand(ctx.reply, args);
}

// A family's spec builder: the group (COMMAND DOCS) and the default `since` are set once, each
// row names the rest.
//
//   constexpr SpecBuilder Spec("string");
//   table.Register(Spec("get", 2, kR | kF, {1, 1, 1}, &GetCommand, "Get the value of a key"));
//   table.Register(Spec("time", 1, kLS, &TimeCommand, "Returns the server time.", "2.6.0"));
//   CommandSpec config = Spec.Container("config", "A container for ...", "2.0.0");
//   config.subcommands.push_back(Spec("get", -3, kAdm, &ConfigGetCommand, "...", "2.0.0"));
class SpecBuilder {
 public:
  constexpr explicit SpecBuilder(std::string_view group, std::string_view since = "1.0.0")
      : group_(group), since_(since) {}

  // A command (or subcommand) with key positions. An empty `since` is the family's default.
  CommandSpec operator()(std::string_view name, int arity, uint32_t flags, KeyRange keys,
                         CommandHandler handler, std::string_view summary,
                         std::string_view since = {}) const {
    CommandSpec spec;
    spec.name = name;
    spec.arity = arity;
    spec.flags = flags;
    spec.first_key = keys.first;
    spec.last_key = keys.last;
    spec.key_step = keys.step;
    spec.handler = handler;
    spec.group = group_;
    spec.summary = summary;
    spec.since = since.empty() ? since_ : since;
    return spec;
  }

  // A command without keys.
  CommandSpec operator()(std::string_view name, int arity, uint32_t flags, CommandHandler handler,
                         std::string_view summary, std::string_view since = {}) const {
    return (*this)(name, arity, flags, KeyRange{}, handler, summary, since);
  }

  // A container command (arity -2, no flags of its own) to which subcommands are then added.
  CommandSpec Container(std::string_view name, std::string_view summary,
                        std::string_view since = {}) const {
    return (*this)(name, -2, 0, KeyRange{}, &ContainerCommand, summary, since);
  }

 private:
  std::string_view group_;
  std::string_view since_;
};

}  // namespace cairn
