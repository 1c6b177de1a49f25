// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP (Redis 7.0
// replies). The engine and its rules are described in script_engine.h.
#include <charconv>
#include <string>
#include <string_view>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/command_table.h"
#include "command_observer.h"
#include "replies.h"
#include "script_engine.h"
#include "spec_builder.h"

namespace cairn {
namespace {

// EVAL* script numkeys [key ...] [arg ...]: splits KEYS and ARGV; false after replying an error.
bool SplitKeys(CommandContext& ctx, Args args, Args& keys, Args& argv) {
  int64_t numkeys = 0;
  const std::string_view n = args[2];
  auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), numkeys);
  if (ec != std::errc() || p != n.data() + n.size() || n.empty()) {
    ctx.reply.Error(replies::kNotInteger);
    return false;
  }
  if (numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return false;
  }
  if (numkeys > static_cast<int64_t>(args.size()) - 3) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  keys = args.subspan(3, static_cast<size_t>(numkeys));
  argv = args.subspan(3 + static_cast<size_t>(numkeys));
  return true;
}

// The script cache counts against maxmemory (CacheManager::ChargeExternal): whatever loads or
// drops scripts charges the change of its size.
class ScriptCacheCharge {
 public:
  explicit ScriptCacheCharge(CommandContext& ctx)
      : ctx_(ctx), before_(ctx.server.scripting().script_bytes()) {}
  ~ScriptCacheCharge() {
    const uint64_t after = ctx_.server.scripting().script_bytes();
    if (after != before_) {
      ctx_.cache.ChargeExternal(static_cast<int64_t>(after) - static_cast<int64_t>(before_));
    }
  }
  ScriptCacheCharge(const ScriptCacheCharge&) = delete;
  ScriptCacheCharge& operator=(const ScriptCacheCharge&) = delete;

 private:
  CommandContext& ctx_;
  const uint64_t before_;
};

void EvalGeneric(CommandContext& ctx, Args args, bool by_sha, bool read_only) {
  // Scripts reach the data through redis.call, which skips the dispatcher's gates: refuse them
  // while warm-load runs, as Redis does (EVAL has no "loading" flag).
  if (ctx.server.loading()) {
    ctx.reply.Error("LOADING Redis is loading the dataset in memory");
    return;
  }
  // MONITOR: the EVAL line first (whatever follows: NOSCRIPT, a compile error ...), then each
  // command the script runs, from "lua" (Redis 7.0's order).
  FeedMonitors(ctx, ctx.client.addr, args);
  Args keys, argv;
  if (!SplitKeys(ctx, args, keys, argv)) return;
  ScriptEngine& engine = ctx.server.scripting();
  if (by_sha) {
    if (!engine.Exists(args[1])) {
      ctx.reply.Error("NOSCRIPT No matching script. Please use EVAL.");
      return;
    }
    engine.Run(ctx, args[1], keys, argv, read_only);
    return;
  }
  std::string error;
  std::string sha;
  {
    const ScriptCacheCharge charge(ctx);
    sha = engine.Load(args[1], /*from_eval=*/true, error);
  }
  if (sha.empty()) {
    ctx.reply.Error(error);
    return;
  }
  engine.Run(ctx, sha, keys, argv, read_only);
}

void EvalCommand(CommandContext& ctx, Args args) { EvalGeneric(ctx, args, false, false); }
void EvalShaCommand(CommandContext& ctx, Args args) { EvalGeneric(ctx, args, true, false); }
void EvalRoCommand(CommandContext& ctx, Args args) { EvalGeneric(ctx, args, false, true); }
void EvalShaRoCommand(CommandContext& ctx, Args args) { EvalGeneric(ctx, args, true, true); }

void ScriptLoadCommand(CommandContext& ctx, Args args) {
  std::string error;
  const ScriptCacheCharge charge(ctx);
  const std::string sha = ctx.server.scripting().Load(args[2], /*from_eval=*/false, error);
  if (sha.empty()) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Bulk(sha);
}

void ScriptExistsCommand(CommandContext& ctx, Args args) {
  ScriptEngine& engine = ctx.server.scripting();
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) ctx.reply.Integer(engine.Exists(args[i]) ? 1 : 0);
}

void ScriptFlushCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  if (args.size() == 3) {
    const std::string_view mode = args[2];
    const bool ok = (mode.size() == 4 && (mode[0] | 0x20) == 's' && (mode[1] | 0x20) == 'y' &&
                     (mode[2] | 0x20) == 'n' && (mode[3] | 0x20) == 'c') ||
                    (mode.size() == 5 && (mode[0] | 0x20) == 'a' && (mode[1] | 0x20) == 's' &&
                     (mode[2] | 0x20) == 'y' && (mode[3] | 0x20) == 'n' && (mode[4] | 0x20) == 'c');
    if (!ok) {
      ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
      return;
    }
  }
  const ScriptCacheCharge charge(ctx);
  ctx.server.scripting().Flush();  // ASYNC too: the cache is freed at once (it is small)
  ctx.reply.Ok();
}

void ScriptKillCommand(CommandContext& ctx, Args) {
  switch (ctx.server.scripting().Kill()) {
    case ScriptEngine::KillResult::kKilled:
      ctx.reply.Ok();
      return;
    case ScriptEngine::KillResult::kNotBusy:
      ctx.reply.Error("NOTBUSY No scripts in execution right now.");
      return;
    case ScriptEngine::KillResult::kUnkillable:
      ctx.reply.Error(
          "UNKILLABLE Sorry the script already executed write commands against the dataset. "
          "You can either wait the script termination or kill the server in a hard way using "
          "the SHUTDOWN NOSAVE command.");
      return;
  }
}

void ScriptHelpCommand(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "EVAL <script> <numkeys> [<key> ...] [<arg> ...]",
      "    Execute a Lua script.",
      "EVALSHA <sha1> <numkeys> [<key> ...] [<arg> ...]",
      "    Execute a Lua script by its SHA1 digest.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
  };
  replies::Help(ctx.reply, "script", kLines);
}

}  // namespace

void RegisterScriptCommands(CommandTable& table) {
  constexpr SpecBuilder Spec("scripting", "2.6.0");
  // Scripts run with the exclusive gate held: atomic like EXEC, and the Lua state is theirs.
  constexpr uint32_t kEval = kCmdNoScript | kCmdStale | kCmdSkipMonitor | kCmdExclusive;
  auto add = [&](CommandSpec spec, std::vector<std::string> categories) {
    spec.acl_categories = std::move(categories);
    table.Register(std::move(spec));
  };
  add(Spec("eval", -3, kEval, &EvalCommand, "Executes a server-side Lua script."),
      {"slow", "scripting"});
  add(Spec("evalsha", -3, kEval, &EvalShaCommand, "Executes a server-side Lua script by SHA1."),
      {"slow", "scripting"});
  add(Spec("eval_ro", -3, kEval | kCmdReadOnly, &EvalRoCommand,
           "Executes a read-only server-side Lua script.", "7.0.0"),
      {"slow", "scripting"});
  add(Spec("evalsha_ro", -3, kEval | kCmdReadOnly, &EvalShaRoCommand,
           "Executes a read-only server-side Lua script by SHA1.", "7.0.0"),
      {"slow", "scripting"});

  constexpr uint32_t kSub = kCmdNoScript | kCmdExclusive;
  CommandSpec script = Spec.Container("script", "A container for Lua scripts management commands.");
  script.subcommands.push_back(Spec("load", 3, kSub | kCmdStale, &ScriptLoadCommand,
                                    "Loads a server-side Lua script to the script cache."));
  script.subcommands.push_back(
      Spec("exists", -3, kSub, &ScriptExistsCommand,
           "Determines whether server-side Lua scripts exist in the script cache."));
  script.subcommands.push_back(Spec("flush", -2, kSub, &ScriptFlushCommand,
                                    "Removes all server-side Lua scripts from the script cache."));
  script.subcommands.push_back(Spec("kill", 2, kCmdNoScript | kCmdAllowBusy, &ScriptKillCommand,
                                    "Terminates a server-side Lua script during execution."));
  script.subcommands.push_back(Spec("help", 2, kCmdLoading | kCmdStale, &ScriptHelpCommand,
                                    "Returns helpful text about the different subcommands.",
                                    "5.0.0"));
  for (CommandSpec& sub : script.subcommands) sub.acl_categories = {"slow", "scripting"};
  table.Register(std::move(script));
}

}  // namespace cairn
