// ACL and its subcommands (Redis 7.0 src/acl.c aclCommand): SETUSER GETUSER DELUSER LIST USERS
// WHOAMI CAT LOG SAVE LOAD GENPASS DRYRUN HELP. Replies and error texts as Redis 7.0.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "acl_gate.h"
#include "acl_rules.h"
#include "cairn/command/acl.h"
#include "cairn/command/families.h"
#include "cairn/command/observability.h"
#include "cairn/common/strings.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "replies.h"
#include "spec_builder.h"

namespace cairn {
namespace {

constexpr std::string_view kNoFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

// Redis's addReplySubcommandSyntaxError: the subcommand as the client spelled it.
void SubcommandSyntaxError(CommandContext& ctx, Args args) {
  std::string msg = "ERR unknown subcommand or wrong number of arguments for '";
  msg.append(replies::CString(args[1], 128)).append("'. Try ACL HELP.");
  ctx.reply.Error(msg);
}

Acl& BoundAcl(CommandContext& ctx) {
  Acl& acl = ctx.server.acl();
  acl.Bind(*ctx.table);
  return acl;
}

// Closes the connections of users that no longer exist (or all but default's: ACL LOAD).
void KillClientsOf(CommandContext& ctx, const std::vector<std::string>& names,
                   bool all_but_default) {
  ctx.server.KillClients([&](const ClientState& c) {
    const std::string_view name =
        c.acl_user == nullptr ? std::string_view("default") : std::string_view(c.acl_user->name);
    if (all_but_default) return name != "default";
    for (const std::string& n : names) {
      if (n == name) return true;
    }
    return false;
  });
}

// As Redis 7.0's ACLKillPubsubClientsIfNeeded: a connection of `name` subscribed to a channel or
// pattern the user may no longer use is closed. The subscriptions are read outside KillClients's
// per-session lock (first pass: candidates; then the hub; then the kill by id).
void KillRevokedSubscribers(CommandContext& ctx, std::string_view name) {
  Observability* obs = ctx.server.observability();
  const std::shared_ptr<const AclUser> user = ctx.server.acl().Find(name);
  if (obs == nullptr || obs->pubsub == nullptr || user == nullptr || user->all_channels) return;
  std::vector<std::pair<uint64_t, const Subscriber*>> candidates;
  ctx.server.KillClients([&](const ClientState& c) {
    if (c.in_pubsub() && c.subscriber != nullptr && c.acl_user != nullptr &&
        c.acl_user->name == name) {
      candidates.emplace_back(c.id, c.subscriber);
    }
    return false;
  });
  std::vector<uint64_t> revoked;
  for (const auto& [id, subscriber] : candidates) {
    const bool ok = obs->pubsub->AllSubscriptions(
        subscriber,
        [&](std::string_view ch, bool pattern) { return AclChannelAllowed(*user, ch, pattern); });
    if (!ok) revoked.push_back(id);
  }
  if (revoked.empty()) return;
  ctx.server.KillClients([&](const ClientState& c) {
    return std::find(revoked.begin(), revoked.end(), c.id) != revoked.end();
  });
}

void AclSetUserCommand(CommandContext& ctx, Args args) {
  Acl& acl = BoundAcl(ctx);
  for (char ch : args[2]) {  // Redis's ACLStringHasSpaces: the name must survive ACL LIST / files
    if (ch == '\0' || ch == ' ' || (ch >= '\t' && ch <= '\r')) {
      ctx.reply.Error("ERR Usernames can't contain spaces or null characters");
      return;
    }
  }
  if (auto err = acl.SetUser(args[2], args.subspan(3))) {
    ctx.reply.Error("ERR " + *err);
    return;
  }
  ctx.reply.Ok();
  KillRevokedSubscribers(ctx, args[2]);
}

void AclGetUserCommand(CommandContext& ctx, Args args) {
  Acl& acl = BoundAcl(ctx);
  const std::shared_ptr<const AclUser> u = acl.Find(args[2]);
  if (u == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("flags");
  const std::vector<std::string_view> flags = AclUserFlags(*u);
  ctx.reply.ArrayHeader(flags.size());
  for (std::string_view f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("passwords");
  ctx.reply.ArrayHeader(u->passwords.size());
  for (const std::string& p : u->passwords) ctx.reply.Bulk(p);
  ctx.reply.Bulk("commands");
  ctx.reply.Bulk(acl.DescribeCommands(*u));
  ctx.reply.Bulk("keys");
  ctx.reply.Bulk(DescribeAclKeys(*u));
  ctx.reply.Bulk("channels");
  ctx.reply.Bulk(DescribeAclChannels(*u, false));
  ctx.reply.Bulk("selectors");
  ctx.reply.ArrayHeader(0);
}

void AclDelUserCommand(CommandContext& ctx, Args args) {
  Acl& acl = BoundAcl(ctx);
  const Args names = args.subspan(2);
  for (std::string_view n : names) {
    if (n == "default") {
      ctx.reply.Error("ERR The 'default' user cannot be removed");
      return;
    }
  }
  std::vector<std::string> existing;
  for (std::string_view n : names) {
    if (acl.Find(n) != nullptr) existing.emplace_back(n);
  }
  const size_t deleted = acl.DeleteUsers(names);
  ctx.reply.Integer(static_cast<int64_t>(deleted));
  KillClientsOf(ctx, existing, false);
}

void AclListCommand(CommandContext& ctx, Args) {
  Acl& acl = BoundAcl(ctx);
  const auto users = acl.Users();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& u : users) ctx.reply.Bulk(acl.Describe(*u));
}

void AclUsersCommand(CommandContext& ctx, Args) {
  const auto users = BoundAcl(ctx).Users();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& u : users) ctx.reply.Bulk(u->name);
}

void AclWhoAmICommand(CommandContext& ctx, Args) {
  ctx.reply.Bulk(BoundAcl(ctx).ClientUser(ctx.client).name);
}

void CatCommands(const std::vector<CommandSpec>& specs, std::string_view cat,
                 std::vector<std::string_view>& out) {
  for (const CommandSpec& spec : specs) {
    for (std::string_view c : CommandCategories(spec)) {
      if (c == cat) {
        out.push_back(spec.full_name);
        break;
      }
    }
    CatCommands(spec.subcommands, cat, out);
  }
}

void AclCatCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    SubcommandSyntaxError(ctx, args);
    return;
  }
  if (args.size() == 2) {
    const auto& names = AclCategoryNames();
    ctx.reply.ArrayHeader(names.size());
    for (std::string_view n : names) ctx.reply.Bulk(n);
    return;
  }
  for (std::string_view n : AclCategoryNames()) {
    if (!EqualsIgnoreCase(n, args[2])) continue;
    std::vector<std::string_view> cmds;
    CatCommands(ctx.table->all(), n, cmds);
    ctx.reply.ArrayHeader(cmds.size());
    for (std::string_view c : cmds) ctx.reply.Bulk(c);
    return;
  }
  std::string msg = "ERR Unknown category '";
  msg.append(replies::CString(args[2], 128)).append("'");
  ctx.reply.Error(msg);
}

void AclLogCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    SubcommandSyntaxError(ctx, args);
    return;
  }
  Acl& acl = ctx.server.acl();
  int64_t count = 10;
  if (args.size() == 3) {
    if (EqualsIgnoreCase(args[2], "reset")) {
      acl.ResetLog();
      ctx.reply.Ok();
      return;
    }
    const auto n = ParseInt64(args[2]);
    if (!n) {
      ctx.reply.Error(replies::kNotInteger);
      return;
    }
    count = *n < 0 ? 0 : *n;
  }
  ReplyAclLog(ctx.reply, acl.LogEntries(static_cast<size_t>(count)));
}

void AclSaveCommand(CommandContext& ctx, Args) {
  Acl& acl = BoundAcl(ctx);
  const std::string path = acl.file();
  if (path.empty()) {
    ctx.reply.Error(kNoFile);
    return;
  }
  const std::string tmp = path + ".tmp";
  bool ok = false;
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << acl.SerializeUsers();
    ok = static_cast<bool>(out.flush());
  }
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    ctx.reply.Error(
        "ERR There was an error trying to save the ACLs. Please check the server logs for more "
        "information");
    return;
  }
  ctx.reply.Ok();
}

void AclLoadCommand(CommandContext& ctx, Args) {
  Acl& acl = BoundAcl(ctx);
  const std::string path = acl.file();
  if (path.empty()) {
    ctx.reply.Error(kNoFile);
    return;
  }
  std::ifstream in(path);
  if (!in) {
    ctx.reply.Error("ERR Error loading ACLs, opening file '" + path +
                    "': No such file or directory");
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  if (auto err = acl.LoadUsers(text.str(), path)) {
    ctx.reply.Error("ERR " + *err);
    return;
  }
  ctx.reply.Ok();
  KillClientsOf(ctx, {}, true);
}

void AclGenPassCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    SubcommandSyntaxError(ctx, args);
    return;
  }
  int64_t bits = 256;
  if (args.size() == 3) {
    const auto n = ParseInt64(args[2]);
    if (!n) {
      ctx.reply.Error(replies::kNotInteger);
      return;
    }
    bits = *n;
  }
  if (bits <= 0 || bits > 4096) {
    ctx.reply.Error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a "
        "positive number up to 4096");
    return;
  }
  const auto chars = static_cast<size_t>((bits + 3) / 4);
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  out.reserve(chars);
  while (out.size() < chars) {
    uint32_t r = rd();
    for (int i = 0; i < 8 && out.size() < chars; ++i, r >>= 4) out.push_back(kHex[r & 0xf]);
  }
  ctx.reply.Bulk(out);
}

void AclDryRunCommand(CommandContext& ctx, Args args) {
  Acl& acl = BoundAcl(ctx);
  const std::shared_ptr<const AclUser> u = acl.Find(args[2]);
  if (u == nullptr) {
    std::string msg = "ERR User '";
    msg.append(replies::CString(args[2], 128)).append("' not found");
    ctx.reply.Error(msg);
    return;
  }
  const Args cmd = args.subspan(3);
  const CommandSpec* spec = ctx.table->Find(cmd[0]);
  if (spec != nullptr && !spec->subcommands.empty() && cmd.size() >= 2) {
    spec = CommandTable::FindSubcommand(*spec, cmd[1]);
  }
  if (spec == nullptr) {
    std::string msg = "ERR Command '";
    msg.append(replies::CString(cmd[0], 128)).append("' not found");
    ctx.reply.Error(msg);
    return;
  }
  const auto argc = static_cast<int64_t>(cmd.size());
  if ((spec->arity > 0 && argc != spec->arity) || argc < -static_cast<int64_t>(spec->arity)) {
    replies::WrongArity(ctx.reply, spec->full_name);
    return;
  }
  size_t pos = 0;
  std::string msg;
  switch (acl.Check(*u, *spec, cmd, pos)) {
    case AclDenial::kNone:
      ctx.reply.Ok();
      return;
    case AclDenial::kCommand:
      msg.append("This user has no permissions to run the '").append(spec->full_name);
      msg.append("' command");
      break;
    case AclDenial::kKey:
      msg.append("This user has no permissions to access the '").append(cmd[pos]);
      msg.append("' key");
      break;
    default:
      msg.append("This user has no permissions to access the '").append(cmd[pos]);
      msg.append("' channel");
      break;
  }
  ctx.reply.Bulk(msg);
}

void AclHelpCommand(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the "
      "command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
  };
  replies::Help(ctx.reply, "acl", kLines);
}

}  // namespace

void RegisterAclCommands(CommandTable& table) {
  constexpr SpecBuilder Spec("server", "6.0.0");
  constexpr uint32_t kBase = kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kAdm = kBase | kCmdAdmin;
  CommandSpec acl = Spec.Container("acl", "A container for Access List Control commands.");
  acl.subcommands.push_back(Spec("cat", -2, kBase, &AclCatCommand,
                                 "Lists the ACL categories, or the commands inside a "
                                 "category."));
  acl.subcommands.push_back(Spec("deluser", -3, kAdm, &AclDelUserCommand,
                                 "Deletes ACL users, and terminates their connections."));
  acl.subcommands.push_back(Spec("dryrun", -4, kAdm, &AclDryRunCommand,
                                 "Simulates the execution of a command by a user, without "
                                 "executing the command.",
                                 "7.0.0"));
  acl.subcommands.push_back(Spec("genpass", -2, kBase, &AclGenPassCommand,
                                 "Generates a pseudorandom, secure password that can be used to "
                                 "identify ACL users."));
  acl.subcommands.push_back(
      Spec("getuser", 3, kAdm, &AclGetUserCommand, "Lists the ACL rules of a user."));
  acl.subcommands.push_back(
      Spec("list", 2, kAdm, &AclListCommand, "Dumps the effective rules in ACL file format."));
  acl.subcommands.push_back(
      Spec("load", 2, kAdm, &AclLoadCommand, "Reloads the rules from the configured ACL file."));
  acl.subcommands.push_back(Spec("log", -2, kAdm, &AclLogCommand,
                                 "Lists recent security events generated due to ACL rules."));
  acl.subcommands.push_back(Spec("save", 2, kAdm, &AclSaveCommand,
                                 "Saves the effective ACL rules in the configured ACL "
                                 "file."));
  acl.subcommands.push_back(Spec("setuser", -3, kAdm, &AclSetUserCommand,
                                 "Creates and modifies an ACL user and its rules."));
  acl.subcommands.push_back(Spec("users", 2, kAdm, &AclUsersCommand, "Lists all ACL users."));
  acl.subcommands.push_back(Spec("whoami", 2, kBase, &AclWhoAmICommand,
                                 "Returns the authenticated username of the current connection."));
  acl.subcommands.push_back(Spec("help", 2, kCmdLoading | kCmdStale, &AclHelpCommand,
                                 "Returns helpful text about the different subcommands."));
  table.Register(std::move(acl));
}

}  // namespace cairn
