// Server commands (Redis 7.0 src/server.c, src/config.c, src/debug.c, src/functions.c wording):
// INFO (info_command.cc), CONFIG GET/SET/RESETSTAT/REWRITE, TIME, SHUTDOWN, FUNCTION FLUSH/LIST
// and DEBUG SLEEP.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/acl.h"
#include "cairn/command/families.h"
#include "cairn/command/observability.h"
#include "cairn/common/strings.h"
#include "cairn/config/config_registry.h"
#include "cairn/persistence/persistence_service.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "cairn/pubsub/tracking.h"
#include "command_observer.h"
#include "info_command.h"
#include "replies.h"
#include "script_engine.h"
#include "spec_builder.h"

namespace cairn {
namespace {

// --- CONFIG ---

void ConfigGetCommand(CommandContext& ctx, Args args) {
  const auto pairs = ctx.server.config().Get(args.subspan(2));
  ctx.reply.MapHeader(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

void ConfigSetCommand(CommandContext& ctx, Args args) {
  if (args.size() % 2 != 0) {
    replies::WrongArity(ctx.reply, "config|set");
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> kv;
  kv.reserve((args.size() - 2) / 2);
  for (size_t i = 2; i + 1 < args.size(); i += 2) kv.emplace_back(args[i], args[i + 1]);
  if (auto err = ctx.server.config().Set(kv)) {
    ctx.reply.Error(*err);
    return;
  }
  // An eviction-policy change rebuilds in the background: answer once it is in force.
  const std::atomic<bool>& swapping = ctx.cache.policy_swap_running();
  if (swapping.load(std::memory_order_acquire)) ctx.client.wait_while = &swapping;
  ctx.reply.Ok();
}

void ResetCommandStats(const CommandSpec& spec) {
  spec.stats = CommandStats();
  ResetLatencyStats(spec);
  for (const CommandSpec& sub : spec.subcommands) ResetCommandStats(sub);
}

void ConfigResetStatCommand(CommandContext& ctx, Args) {
  ctx.cache.ResetStats();
  ServerCounters& c = ctx.server.counters();
  for (auto* v : {&c.total_connections, &c.total_commands, &c.total_error_replies,
                  &c.rejected_connections, &c.net_input_bytes, &c.net_output_bytes,
                  &c.output_buffer_limit_disconnections, &c.evicted_clients}) {
    v->store(0, std::memory_order_relaxed);
  }
  ctx.server.acl().ResetDenied();
  if (ctx.table != nullptr) {
    for (const CommandSpec& spec : ctx.table->all()) ResetCommandStats(spec);
  }
  ctx.reply.Ok();
}

// Writes the registry's dump next to the file, then renames it over (atomic replace).
void ConfigRewriteCommand(CommandContext& ctx, Args) {
  const std::string path = ctx.server.config_file();
  if (path.empty()) {
    ctx.reply.Error("ERR The server is running without a config file");
    return;
  }
  const std::string tmp = path + ".tmp-rewrite";
  std::string text = ctx.server.config().Dump();
  // As Redis's rewriteConfigUserOption: without an aclfile the users are `user` lines.
  if (const Acl& acl = ctx.server.acl(); acl.file().empty() && acl.table() != nullptr) {
    text += acl.SerializeUsers();
  }
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      const int err = errno;
      std::remove(tmp.c_str());
      ctx.reply.Error(std::string("ERR Rewriting config file: ") + std::strerror(err));
      return;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    ctx.reply.Error(std::string("ERR Rewriting config file: ") + std::strerror(err));
    return;
  }
  ctx.reply.Ok();
}

void ConfigHelpCommand(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
  };
  replies::Help(ctx.reply, "config", kLines);
}

// --- TIME SHUTDOWN ---

void TimeCommand(CommandContext& ctx, Args) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1'000'000));
  ctx.reply.Bulk(std::to_string(us % 1'000'000));
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. NOSAVE skips the write-back flush at exit;
// the other flags are validated. On success nothing is replied: the connection closes (clients
// expect that).
void ShutdownCommand(CommandContext& ctx, Args args) {
  bool nosave = false, save = false, other = false, abort = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(args[i], "save")) {
      save = true;
    } else if (EqualsIgnoreCase(args[i], "now") || EqualsIgnoreCase(args[i], "force")) {
      other = true;
    } else if (EqualsIgnoreCase(args[i], "abort")) {
      abort = true;
    } else {
      ctx.reply.Error(replies::kSyntaxError);
      return;
    }
  }
  if ((abort && (nosave || save || other)) || (nosave && save)) {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  if (abort) {
    ctx.reply.Error("ERR No shutdown in progress.");
    return;
  }
  // SHUTDOWN NOSAVE skips the write-back flush (only when asked); anything else flushes.
  if (PersistenceService* p = ctx.server.persistence()) p->SetFlushOnShutdown(!nosave);
  ctx.client.close_after_reply = true;
  ctx.server.RequestShutdown();
}

// --- FUNCTION (no scripting in Cairn: an empty library set) ---

void FunctionFlushCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  if (args.size() == 3 && !EqualsIgnoreCase(args[2], "sync") &&
      !EqualsIgnoreCase(args[2], "async")) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.reply.Ok();
}

void FunctionListCommand(CommandContext& ctx, Args) { ctx.reply.ArrayHeader(0); }

void FunctionHelpCommand(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries (always none in Cairn).",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries (a no-op in Cairn).",
  };
  replies::Help(ctx.reply, "function", kLines);
}

// --- DEBUG ---

void DebugCommand(CommandContext& ctx, Args args) {
  if (args.size() == 2 && EqualsIgnoreCase(args[1], "help")) {
    static constexpr std::string_view kLines[] = {
        "SLEEP <seconds>",
        "    Stop this connection for <seconds> (decimals allowed); other clients go on.",
    };
    replies::Help(ctx.reply, "debug", kLines);
  } else if (args.size() == 3 && EqualsIgnoreCase(args[1], "sleep")) {
    // strtod like Redis: garbage reads as 0 (no sleep).
    const std::string text(args[2]);
    const double seconds = std::strtod(text.c_str(), nullptr);
    const double us = seconds * 1e6;
    ctx.client.sleep_us = us > 0 ? static_cast<int64_t>(us < 9e15 ? us : 9e15) : 0;
    ctx.reply.Ok();
  } else {
    replies::SubcommandSyntaxError(ctx.reply, args);
  }
}

}  // namespace

void RegisterServerCommands(CommandTable& table) {
  constexpr uint32_t kLS = kCmdLoading | kCmdStale;
  constexpr uint32_t kAdm = kCmdAdmin | kCmdNoScript | kLS;
  constexpr SpecBuilder Spec("server");
  table.Register(
      Spec("info", -1, kLS, &InfoCommand, "Returns information and statistics about the server."));
  table.Register(
      Spec("time", 1, kLS | kCmdFast, &TimeCommand, "Returns the server time.", "2.6.0"));
  table.Register(Spec("shutdown", -1, kAdm | kCmdNoMulti, &ShutdownCommand,
                      "Synchronously saves the database(s) to disk and shuts down the server."));
  table.Register(Spec("debug", -2, kAdm, &DebugCommand, "A container for debugging commands."));

  CommandSpec config =
      Spec.Container("config", "A container for server configuration commands.", "2.0.0");
  config.subcommands.push_back(Spec("get", -3, kAdm, &ConfigGetCommand,
                                    "Returns the effective values of configuration parameters.",
                                    "2.0.0"));
  config.subcommands.push_back(Spec("set", -4, kAdm, &ConfigSetCommand,
                                    "Sets configuration parameters in-flight.", "2.0.0"));
  config.subcommands.push_back(Spec("resetstat", 2, kAdm, &ConfigResetStatCommand,
                                    "Resets the server's statistics.", "2.0.0"));
  config.subcommands.push_back(Spec("rewrite", 2, kAdm, &ConfigRewriteCommand,
                                    "Persists the effective configuration to file.", "2.8.0"));
  config.subcommands.push_back(Spec("help", 2, kLS, &ConfigHelpCommand,
                                    "Returns helpful text about the different subcommands.",
                                    "5.0.0"));
  table.Register(std::move(config));

  CommandSpec function = Spec.Container("function", "A container for function commands.", "7.0.0");
  function.subcommands.push_back(Spec("flush", -2, kCmdWrite | kCmdNoScript, &FunctionFlushCommand,
                                      "Deletes all libraries and functions.", "7.0.0"));
  function.subcommands.push_back(Spec("list", -2, kCmdNoScript, &FunctionListCommand,
                                      "Returns information about all libraries.", "7.0.0"));
  function.subcommands.push_back(Spec("help", 2, kLS, &FunctionHelpCommand,
                                      "Returns helpful text about the different subcommands.",
                                      "7.0.0"));
  table.Register(std::move(function));
}

}  // namespace cairn
