// COMMAND and its subcommands (Redis 7.0 reply shapes, RESP2: maps are flat arrays). Everything is
// derived from the command table: flags, ACL categories (from flags and group) and one key spec
// per command with keys (from first/last/step). Enough for redis-cli hints and client libraries.
#include <string>
#include <utility>
#include <vector>

#include "cairn/command/families.h"
#include "cairn/common/glob.h"
#include "cairn/common/strings.h"
#include "replies.h"
#include "spec_builder.h"

namespace cairn {
namespace {

struct NamedFlag {
  uint32_t flag;
  std::string_view name;
};

// Redis's order (addReplyFlagsForCommand).
constexpr NamedFlag kFlagNames[] = {
    {kCmdWrite, "write"},     {kCmdReadOnly, "readonly"}, {kCmdDenyOom, "denyoom"},
    {kCmdAdmin, "admin"},     {kCmdPubSub, "pubsub"},     {kCmdNoScript, "noscript"},
    {kCmdLoading, "loading"}, {kCmdStale, "stale"},       {kCmdSkipMonitor, "skip_monitor"},
    {kCmdFast, "fast"},       {kCmdNoAuth, "no_auth"},    {kCmdNoMulti, "no_multi"},
};

void ReplyFlags(ReplyBuilder& reply, uint32_t flags) {
  size_t n = 0;
  for (const NamedFlag& f : kFlagNames) n += (flags & f.flag) != 0 ? 1 : 0;
  reply.SetHeader(n);
  for (const NamedFlag& f : kFlagNames) {
    if ((flags & f.flag) != 0) reply.SimpleString(f.name);
  }
}

// Key-spec flags derived from the command flags.
std::vector<std::string_view> KeyFlags(const CommandSpec& spec) {
  if ((spec.flags & kCmdWrite) != 0) return {"RW", "update"};
  return {"RO", "access"};
}

void ReplyStatusList(ReplyBuilder& reply, const std::vector<std::string_view>& items,
                     std::string_view prefix = {}) {
  reply.SetHeader(items.size());
  std::string s;
  for (std::string_view item : items) {
    s.assign(prefix).append(item);
    reply.SimpleString(s);
  }
}

// One key spec: {flags, begin_search: index <first_key>, find_keys: range <lastkey> <step> 0}.
// Sets and maps as Redis 7.0 (addReplyCommandKeySpecs): a set of maps.
void ReplyKeySpecs(ReplyBuilder& reply, const CommandSpec& spec) {
  if (spec.first_key <= 0) {
    reply.SetHeader(0);
    return;
  }
  reply.SetHeader(1);
  reply.MapHeader(3);
  reply.Bulk("flags");
  ReplyStatusList(reply, KeyFlags(spec));
  reply.Bulk("begin_search");
  reply.MapHeader(2);
  reply.Bulk("type");
  reply.Bulk("index");
  reply.Bulk("spec");
  reply.MapHeader(1);
  reply.Bulk("index");
  reply.Integer(spec.first_key);
  reply.Bulk("find_keys");
  reply.MapHeader(2);
  reply.Bulk("type");
  reply.Bulk("range");
  reply.Bulk("spec");
  reply.MapHeader(3);
  reply.Bulk("lastkey");
  reply.Integer(spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key);
  reply.Bulk("keystep");
  reply.Integer(spec.key_step);
  reply.Bulk("limit");
  reply.Integer(0);
}

// addReplyCommandInfo: name, arity, flags, first key, last key, step, ACL categories, tips,
// key specs, subcommands.
void ReplyInfo(ReplyBuilder& reply, const CommandSpec* spec) {
  if (spec == nullptr) {
    reply.Null();
    return;
  }
  reply.ArrayHeader(10);
  reply.Bulk(spec->full_name);
  reply.Integer(spec->arity);
  ReplyFlags(reply, spec->flags);
  reply.Integer(spec->first_key);
  reply.Integer(spec->last_key);
  reply.Integer(spec->key_step);
  ReplyStatusList(reply, CommandCategories(*spec), "@");
  reply.SetHeader(0);  // tips
  ReplyKeySpecs(reply, *spec);
  reply.SetHeader(spec->subcommands.size());
  for (const CommandSpec& sub : spec->subcommands) ReplyInfo(reply, &sub);
}

// addReplyCommandDocs, reduced to summary / since / group (+ subcommands).
void ReplyDocs(ReplyBuilder& reply, const CommandSpec& spec) {
  const bool subs = !spec.subcommands.empty();
  reply.MapHeader(subs ? 4 : 3);
  reply.Bulk("summary");
  reply.Bulk(spec.summary);
  reply.Bulk("since");
  reply.Bulk(spec.since);
  reply.Bulk("group");
  // Redis calls the keyspace group "generic".
  reply.Bulk(spec.group == "keyspace" || spec.group.empty() ? "generic" : spec.group);
  if (subs) {
    reply.Bulk("subcommands");
    reply.MapHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) {
      reply.Bulk(sub.full_name);
      ReplyDocs(reply, sub);
    }
  }
}

const CommandTable& Table(const CommandContext& ctx) { return *ctx.table; }

void CommandCommand(CommandContext& ctx, Args) {
  const auto& all = Table(ctx).all();
  ctx.reply.ArrayHeader(all.size());
  for (const CommandSpec& spec : all) ReplyInfo(ctx.reply, &spec);
}

void CommandCountCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(static_cast<int64_t>(Table(ctx).all().size()));
}

void CommandInfoCommand(CommandContext& ctx, Args args) {
  if (args.size() == 2) {
    CommandCommand(ctx, args);
    return;
  }
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) ReplyInfo(ctx.reply, Table(ctx).FindFullName(args[i]));
}

void CommandDocsCommand(CommandContext& ctx, Args args) {
  std::vector<const CommandSpec*> found;
  if (args.size() == 2) {
    for (const CommandSpec& spec : Table(ctx).all()) found.push_back(&spec);
  } else {
    for (size_t i = 2; i < args.size(); ++i) {
      if (const CommandSpec* spec = Table(ctx).FindFullName(args[i])) found.push_back(spec);
    }
  }
  ctx.reply.MapHeader(found.size());
  for (const CommandSpec* spec : found) {
    ctx.reply.Bulk(spec->full_name);
    ReplyDocs(ctx.reply, *spec);
  }
}

void CommandListCommand(CommandContext& ctx, Args args) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  std::string_view filter_arg;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "filterby") && args.size() - 1 - i == 2) {
      const std::string_view type = args[i + 1];
      if (EqualsIgnoreCase(type, "module")) {
        filter = Filter::kModule;
      } else if (EqualsIgnoreCase(type, "aclcat")) {
        filter = Filter::kAclCat;
      } else if (EqualsIgnoreCase(type, "pattern")) {
        filter = Filter::kPattern;
      } else {
        ctx.reply.Error(replies::kSyntaxError);
        return;
      }
      filter_arg = args[i + 2];
      i += 2;
    } else {
      ctx.reply.Error(replies::kSyntaxError);
      return;
    }
  }
  auto keep = [&](const CommandSpec& spec) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // no modules
      case Filter::kAclCat:
        for (std::string_view cat : CommandCategories(spec)) {
          if (EqualsIgnoreCase(cat, filter_arg)) return true;
        }
        return false;
      case Filter::kPattern:
        return GlobMatch(filter_arg, spec.full_name, /*nocase=*/true);
    }
    return false;
  };
  const size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  for (const CommandSpec& spec : Table(ctx).all()) {
    if (keep(spec)) {
      ctx.reply.Bulk(spec.full_name);
      ++n;
    }
    for (const CommandSpec& sub : spec.subcommands) {
      if (keep(sub)) {
        ctx.reply.Bulk(sub.full_name);
        ++n;
      }
    }
  }
  ctx.reply.EndDeferred(mark, ReplyBuilder::Aggregate::kArray, n);
}

// getKeysSubcommandImpl: the keys of a full command line, from first/last/step.
void GetKeysGeneric(CommandContext& ctx, Args args, bool with_flags) {
  const Args line = args.subspan(2);
  const CommandSpec* spec = Table(ctx).Resolve(line);
  if (spec == nullptr) {
    ctx.reply.Error("ERR Invalid command specified");
    return;
  }
  if (spec->first_key <= 0) {
    ctx.reply.Error("ERR The command has no key arguments");
    return;
  }
  const auto argc = static_cast<int64_t>(line.size());
  if ((spec->arity > 0 && spec->arity != argc) || argc < -static_cast<int64_t>(spec->arity)) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  const CommandKeys keys(*spec, line);
  if (!keys.complete()) {
    ctx.reply.Error("ERR Invalid arguments specified for command");
    return;
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string_view key : keys) {
    if (with_flags) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(key);
      ReplyStatusList(ctx.reply, KeyFlags(*spec));
    } else {
      ctx.reply.Bulk(key);
    }
  }
}

void CommandGetKeysCommand(CommandContext& ctx, Args args) { GetKeysGeneric(ctx, args, false); }
void CommandGetKeysAndFlagsCommand(CommandContext& ctx, Args args) {
  GetKeysGeneric(ctx, args, true);
}

void CommandHelpCommand(CommandContext& ctx, Args args) {
  static constexpr std::string_view kLines[] = {
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
  };
  replies::Help(ctx.reply, args[0], kLines);
}

}  // namespace

void RegisterIntrospectionCommands(CommandTable& table) {
  constexpr uint32_t kLS = kCmdLoading | kCmdStale;
  constexpr SpecBuilder Spec("server");
  CommandSpec command =
      Spec("command", -1, kLS, &CommandCommand, "Get array of Redis command details", "2.8.13");
  command.subcommands.push_back(
      Spec("count", 2, kLS, &CommandCountCommand, "Get total number of Redis commands", "2.8.13"));
  command.subcommands.push_back(Spec("docs", -2, kLS, &CommandDocsCommand,
                                     "Get array of specific Redis command documentation", "7.0.0"));
  command.subcommands.push_back(Spec("getkeys", -4, kLS, &CommandGetKeysCommand,
                                     "Extract keys given a full Redis command", "2.8.13"));
  command.subcommands.push_back(Spec("getkeysandflags", -4, kLS, &CommandGetKeysAndFlagsCommand,
                                     "Extract keys and access flags given a full Redis command",
                                     "7.0.0"));
  command.subcommands.push_back(Spec("help", 2, kLS, &CommandHelpCommand,
                                     "Show helpful text about the different subcommands", "5.0.0"));
  command.subcommands.push_back(Spec(
      "info", -2, kLS, &CommandInfoCommand,
      "Get array of specific Redis command details, or all when no argument is given.", "2.8.13"));
  command.subcommands.push_back(
      Spec("list", -2, kLS, &CommandListCommand, "Get an array of Redis command names", "7.0.0"));
  command.acl_categories = {"connection", "slow"};
  for (CommandSpec& sub : command.subcommands) sub.acl_categories = command.acl_categories;
  table.Register(std::move(command));
}

}  // namespace cairn
