// Connection commands (Redis 7.0 src/networking.c, src/server.c, src/acl.c semantics and error
// texts): PING ECHO QUIT SELECT AUTH HELLO RESET and the CLIENT container. Cairn has one
// database, so SELECT accepts 0 alone; AUTH checks the ACL users (cairn/command/acl.h). The
// protocol (RESP2 or RESP3) is per connection: HELLO switches it, RESET returns to RESP2, and the
// connection's ReplyBuilder and push queue follow it (SetProtocol). A command touches only its own
// ClientState; other clients are reached through ServerContext (CLIENT LIST / KILL), which
// synchronises.
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arg_cursor.h"
#include "cairn/command/acl.h"
#include "cairn/command/families.h"
#include "cairn/common/strings.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "pubsub_state.h"
#include "replies.h"
#include "spec_builder.h"
#include "tracking_commands.h"
#include "transaction.h"

namespace cairn {
namespace {

constexpr std::string_view kDefaultUser = "default";
constexpr std::string_view kRedisVersion = "7.0.0";  // what clients see (HELLO, INFO)
constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
constexpr std::string_view kBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// AUTH / HELLO AUTH: the client runs as `user` when `password` opens it (ACLAuthenticateUser);
// otherwise the failure goes to ACL LOG (reason auth, object the command as sent) and false.
bool Authenticate(CommandContext& ctx, std::string_view command, std::string_view user,
                  std::string_view password) {
  Acl& acl = ctx.server.acl();
  acl.Bind(*ctx.table);
  std::shared_ptr<const AclUser> u = acl.Authenticate(user, password);
  if (u == nullptr) {
    acl.Log(AclDenial::kAuth, ctx.client.in_multi ? AclContext::kMulti : AclContext::kTopLevel,
            command, user, ctx.server.ClientInfo(ctx.client));
    return false;
  }
  acl.SetClientUser(ctx.client, std::move(u));
  ctx.client.authenticated = true;
  return true;
}

// Client names and CLIENT SETINFO values: printable ASCII without spaces (CLIENT LIST must stay
// splittable on spaces).
bool ValidClientAttr(std::string_view s) {
  for (char c : s) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

std::string_view Printable(std::string_view s) { return s.substr(0, s.find('\0')); }

// The connection speaks `resp` from the next reply on: this command's reply included (HELLO 3
// answers with a map), and every later push.
void SetProtocol(CommandContext& ctx, int resp) {
  ctx.client.resp = resp;
  ctx.reply.set_resp(resp);
  if (ctx.client.subscriber != nullptr) ctx.client.subscriber->SetProtocol(resp);
}

// --- PING ECHO QUIT SELECT ---

void PingCommand(CommandContext& ctx, Args args) {
  if (args.size() > 2) {
    replies::WrongArity(ctx.reply, "ping");
    return;
  }
  if (ctx.client.in_pubsub() && ctx.client.resp == 2) {  // pub/sub mode: *2 pong <arg or "">
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(args.size() == 1 ? std::string_view() : args[1]);
  } else if (args.size() == 1) {
    ctx.reply.SimpleString("PONG");
  } else {
    ctx.reply.Bulk(args[1]);
  }
}

void EchoCommand(CommandContext& ctx, Args args) { ctx.reply.Bulk(args[1]); }

void QuitCommand(CommandContext& ctx, Args) {
  ctx.reply.Ok();
  ctx.client.close_after_reply = true;
}

void SelectCommand(CommandContext& ctx, Args args) {
  const auto id = ParseInt64(args[1]);
  if (!id || *id < std::numeric_limits<int>::min() || *id > std::numeric_limits<int>::max()) {
    ctx.reply.Error(replies::kNotInteger);
    return;
  }
  if (*id != 0 && ctx.cluster != nullptr) {
    ctx.reply.Error("ERR SELECT is not allowed in cluster mode");
    return;
  }
  if (*id != 0) {
    ctx.reply.Error("ERR DB index is out of range");
    return;
  }
  ctx.reply.Ok();
}

// --- AUTH HELLO RESET ---

void AuthCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  std::string_view user = kDefaultUser;
  std::string_view password;
  if (args.size() == 2) {
    const auto def = ctx.server.acl().Find(kDefaultUser);
    if (def != nullptr && def->nopass) {
      ctx.reply.Error(
          "ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?");
      return;
    }
    password = args[1];
  } else {
    user = args[1];
    password = args[2];
  }
  if (!Authenticate(ctx, args[0], user, password)) {
    ctx.reply.Error(kWrongPass);
    return;
  }
  ctx.reply.Ok();
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void HelloCommand(CommandContext& ctx, Args args) {
  int64_t version = 0;
  size_t next = 1;
  if (args.size() >= 2) {
    const auto v = ParseInt64(args[1]);
    if (!v) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    version = *v;
    next = 2;
    if (version < 2 || version > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
  }
  bool has_auth = false;
  bool has_name = false;
  std::string_view user, password, name;
  for (size_t j = next; j < args.size(); ++j) {
    const size_t more = args.size() - 1 - j;
    if (EqualsIgnoreCase(args[j], "AUTH") && more >= 2) {
      has_auth = true;
      user = args[j + 1];
      password = args[j + 2];
      j += 2;
    } else if (EqualsIgnoreCase(args[j], "SETNAME") && more >= 1) {
      has_name = true;
      name = args[j + 1];
      j += 1;
    } else {
      std::string msg = "ERR Syntax error in HELLO option '";
      msg.append(Printable(args[j])).append("'");
      ctx.reply.Error(msg);
      return;
    }
  }
  if (has_auth && !Authenticate(ctx, args[0], user, password)) {
    ctx.reply.Error(kWrongPass);
    return;
  }
  if (!ctx.client.authenticated && !ctx.server.acl().default_open()) {
    ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
    return;
  }
  if (has_name) {
    if (!ValidClientAttr(name)) {
      ctx.reply.Error(kBadClientName);
      return;
    }
    ctx.client.name.assign(name);
  }
  if (version != 0) SetProtocol(ctx, static_cast<int>(version));
  // A map in RESP3; a flat array of key/value pairs in RESP2.
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kRedisVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(ctx.client.resp);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk(ctx.cluster != nullptr ? "cluster" : "standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

// Back to the state of a new connection: RESP2, no name, replies on, not authenticated when a
// password is required.
void ResetCommand(CommandContext& ctx, Args) {
  ClientState& c = ctx.client;
  LeavePubSubAndMonitor(ctx);
  DiscardTransaction(c);
  StopTracking(ctx);
  SetProtocol(ctx, 2);
  c.name.clear();
  c.reply_mode = ClientState::ReplyMode::kOn;
  c.skip_next_reply = false;
  // As Redis's clearClientConnectionState: back to the default user.
  Acl& acl = ctx.server.acl();
  acl.SetClientUser(c, acl.Find(kDefaultUser));
  c.authenticated = acl.default_open();
  ctx.reply.SimpleString("RESET");
}

// --- CLIENT ---

void ClientIdCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
}

void ClientSetNameCommand(CommandContext& ctx, Args args) {
  if (!ValidClientAttr(args[2])) {
    ctx.reply.Error(kBadClientName);
    return;
  }
  ctx.client.name.assign(args[2]);
  ctx.reply.Ok();
}

void ClientGetNameCommand(CommandContext& ctx, Args) {
  if (ctx.client.name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(ctx.client.name);
  }
}

// Redis client type names (CLIENT LIST / KILL TYPE); nullopt for an unknown name. Cairn has no
// replicas or masters: those types are accepted and match nobody.
std::optional<ClientType> ParseClientType(std::string_view name) {
  if (EqualsIgnoreCase(name, "normal")) return ClientType::kNormal;
  if (EqualsIgnoreCase(name, "pubsub")) return ClientType::kPubSub;
  if (EqualsIgnoreCase(name, "replica") || EqualsIgnoreCase(name, "slave")) {
    return ClientType::kReplica;
  }
  if (EqualsIgnoreCase(name, "master")) return ClientType::kMaster;
  return std::nullopt;
}

void ReplyUnknownClientType(CommandContext& ctx, std::string_view name) {
  std::string msg = "ERR Unknown client type '";
  msg.append(Printable(name)).append("'");
  ctx.reply.Error(msg);
}

// CLIENT LIST [TYPE type] | [ID id [id ...]]
void ClientListCommand(CommandContext& ctx, Args args) {
  if (args.size() == 2) {
    ctx.reply.Verbatim(ctx.server.ClientList());
    return;
  }
  if (args.size() == 4 && EqualsIgnoreCase(args[2], "type")) {
    const std::optional<ClientType> type = ParseClientType(args[3]);
    if (!type) {
      ReplyUnknownClientType(ctx, args[3]);
      return;
    }
    ctx.reply.Verbatim(ctx.server.ClientListOfType(*type));
    return;
  }
  if (args.size() > 3 && EqualsIgnoreCase(args[2], "id")) {
    std::vector<uint64_t> ids;
    for (size_t j = 3; j < args.size(); ++j) {
      const auto id = ParseInt64(args[j]);
      if (!id) {
        ctx.reply.Error("ERR Invalid client ID");
        return;
      }
      if (*id > 0) ids.push_back(static_cast<uint64_t>(*id));
    }
    ctx.reply.Verbatim(ids.empty() ? std::string() : ctx.server.ClientList(ids));
    return;
  }
  ctx.reply.Error(replies::kSyntaxError);
}

void ClientInfoCommand(CommandContext& ctx, Args) {
  std::string line = ctx.server.ClientInfo(ctx.client);
  line.push_back('\n');
  ctx.reply.Verbatim(line);
}

struct KillFilter {
  std::string_view addr, laddr;
  uint64_t id = 0;
  std::optional<ClientType> type;  // TYPE: only clients of that class (ClientTypeOf)
  std::string_view user;           // USER: only clients authenticated as that user
  bool skipme = true;
};

// Parses CLIENT KILL's new-style filters; replies with the error and returns false if invalid.
bool ParseKillFilters(CommandContext& ctx, Args args, KillFilter& f) {
  for (size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      ctx.reply.Error(replies::kSyntaxError);
      return false;
    }
    const std::string_view opt = args[i];
    const std::string_view val = args[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      const auto id = ParseInt64(val);
      if (!id || *id < 1) {
        ctx.reply.Error("ERR client-id should be greater than 0");
        return false;
      }
      f.id = static_cast<uint64_t>(*id);
    } else if (EqualsIgnoreCase(opt, "type")) {
      f.type = ParseClientType(val);
      if (!f.type) {
        ReplyUnknownClientType(ctx, val);
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "addr")) {
      f.addr = val;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      f.laddr = val;
    } else if (EqualsIgnoreCase(opt, "user")) {
      f.user = val;
      if (ctx.server.acl().Find(val) == nullptr) {
        std::string msg = "ERR No such user '";
        msg.append(Printable(val)).append("'");
        ctx.reply.Error(msg);
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(val, "yes")) {
        f.skipme = true;
      } else if (EqualsIgnoreCase(val, "no")) {
        f.skipme = false;
      } else {
        ctx.reply.Error(replies::kSyntaxError);
        return false;
      }
    } else {
      ctx.reply.Error(replies::kSyntaxError);
      return false;
    }
  }
  return true;
}

// CLIENT KILL ip:port (old form: +OK or "No such client"; may kill the caller itself)
// CLIENT KILL <filter> <value> ... (new form: the number killed; SKIPME yes by default)
void ClientKillCommand(CommandContext& ctx, Args args) {
  const bool old_form = args.size() == 3;
  KillFilter f;
  if (old_form) {
    f.addr = args[2];
    f.skipme = false;
  } else if (!ParseKillFilters(ctx, args, f)) {
    return;
  }
  const uint64_t self_id = ctx.client.id;
  const size_t killed = ctx.server.KillClients([&](const ClientState& c) {
    if (f.type && ClientTypeOf(c) != *f.type) return false;
    if (!f.addr.empty() && c.addr != f.addr) return false;
    if (!f.laddr.empty() && c.laddr != f.laddr) return false;
    if (f.id != 0 && c.id != f.id) return false;
    if (!f.user.empty() && (c.acl_user == nullptr ? kDefaultUser : c.acl_user->name) != f.user) {
      return false;
    }
    return !(f.skipme && c.id == self_id);
  });
  if (!old_form) {
    ctx.reply.Integer(static_cast<int64_t>(killed));
  } else if (killed == 0) {
    ctx.reply.Error("ERR No such client");
  } else {
    ctx.reply.Ok();
  }
}

// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; clients send it on connect).
void ClientSetInfoCommand(CommandContext& ctx, Args args) {
  const std::string_view attr = args[2];
  std::string* dest = nullptr;
  if (EqualsIgnoreCase(attr, "lib-name")) {
    dest = &ctx.client.lib_name;
  } else if (EqualsIgnoreCase(attr, "lib-ver")) {
    dest = &ctx.client.lib_ver;
  } else {
    std::string msg = "ERR Unrecognized option '";
    msg.append(Printable(attr)).append("'");
    ctx.reply.Error(msg);
    return;
  }
  if (!ValidClientAttr(args[3])) {
    std::string msg = "ERR ";
    msg.append(Printable(attr)).append(" cannot contain spaces, newlines or special characters.");
    ctx.reply.Error(msg);
    return;
  }
  dest->assign(args[3]);
  ctx.reply.Ok();
}

// CLIENT REPLY ON|OFF|SKIP. The dispatcher drops the replies (OFF's and SKIP's own included).
void ClientReplyCommand(CommandContext& ctx, Args args) {
  ClientState& c = ctx.client;
  if (EqualsIgnoreCase(args[2], "on")) {
    c.reply_mode = ClientState::ReplyMode::kOn;
    c.skip_next_reply = false;
  } else if (EqualsIgnoreCase(args[2], "off")) {
    c.reply_mode = ClientState::ReplyMode::kOff;
  } else if (EqualsIgnoreCase(args[2], "skip")) {
    if (c.reply_mode != ClientState::ReplyMode::kOff) c.skip_next_reply = true;
  } else {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  ctx.reply.Ok();
}

// CLIENT NO-EVICT ON|OFF: whether maxmemory-clients may close this client.
void ClientNoEvictCommand(CommandContext& ctx, Args args) {
  if (EqualsIgnoreCase(args[2], "on") || EqualsIgnoreCase(args[2], "off")) {
    ctx.client.no_evict = EqualsIgnoreCase(args[2], "on");
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(replies::kSyntaxError);
  }
}

// CLIENT NO-TOUCH ON|OFF: accepted (LRU-neutral reads are not modelled per client).
void ClientOnOffCommand(CommandContext& ctx, Args args) {
  if (EqualsIgnoreCase(args[2], "on") || EqualsIgnoreCase(args[2], "off")) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(replies::kSyntaxError);
  }
}

void ClientHelpCommand(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "    * ID <client-id>",
      "      Kill connections by client id.",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <option> <value>",
      "    Set client meta attr. Options are:",
      "    * LIB-NAME: the client lib name.",
      "    * LIB-VER: the client lib version.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "NO-TOUCH (ON|OFF)",
      "    Will not touch LRU/LFU stats when this mode is on.",
  };
  replies::Help(ctx.reply, "client", kLines);
}

}  // namespace

void RegisterConnectionCommands(CommandTable& table) {
  constexpr SpecBuilder Spec("connection");
  constexpr uint32_t kF = kCmdFast;
  constexpr uint32_t kLS = kCmdLoading | kCmdStale;
  constexpr uint32_t kPre = kCmdNoAuth | kCmdNoScript | kLS | kF;  // usable before AUTH
  table.Register(Spec("ping", -1, kF, &PingCommand, "Returns the server's liveliness response."));
  table.Register(Spec("echo", 2, kF, &EchoCommand, "Returns the given string."));
  table.Register(Spec("quit", -1, kPre | kCmdTxControl, &QuitCommand, "Closes the connection."));
  table.Register(
      Spec("select", 2, kLS | kF, &SelectCommand, "Changes the selected database (only 0)."));
  table.Register(Spec("auth", -2, kPre, &AuthCommand, "Authenticates the connection."));
  table.Register(Spec("hello", -1, kPre, &HelloCommand, "Handshakes with the server.", "6.0.0"));
  table.Register(
      Spec("reset", 1, kPre | kCmdTxControl, &ResetCommand, "Resets the connection.", "6.2.0"));

  constexpr uint32_t kCl = kCmdNoScript | kLS;
  CommandSpec client =
      Spec.Container("client", "A container for client connection commands.", "2.4.0");
  client.subcommands.push_back(Spec("id", 2, kCl, &ClientIdCommand,
                                    "Returns the unique client ID of the connection.", "5.0.0"));
  client.subcommands.push_back(
      Spec("setname", 3, kCl, &ClientSetNameCommand, "Sets the connection name.", "2.6.9"));
  client.subcommands.push_back(Spec("getname", 2, kCl, &ClientGetNameCommand,
                                    "Returns the name of the connection.", "2.6.9"));
  client.subcommands.push_back(
      Spec("list", -2, kCl | kCmdAdmin, &ClientListCommand, "Lists open connections.", "2.4.0"));
  client.subcommands.push_back(Spec("info", 2, kCl, &ClientInfoCommand,
                                    "Returns information about the connection.", "6.2.0"));
  client.subcommands.push_back(Spec("kill", -3, kCl | kCmdAdmin, &ClientKillCommand,
                                    "Terminates open connections.", "2.4.0"));
  client.subcommands.push_back(Spec("setinfo", 4, kCl, &ClientSetInfoCommand,
                                    "Sets information specific to the client or connection.",
                                    "7.2.0"));
  client.subcommands.push_back(Spec("reply", 3, kCl, &ClientReplyCommand,
                                    "Instructs the server whether to reply to commands.", "3.2.0"));
  client.subcommands.push_back(Spec("no-evict", 3, kCl | kCmdAdmin, &ClientNoEvictCommand,
                                    "Sets the client eviction mode of the connection.", "7.0.0"));
  client.subcommands.push_back(Spec("no-touch", 3, kCl, &ClientOnOffCommand,
                                    "Controls whether commands sent by the client affect the "
                                    "LRU/LFU of accessed keys.",
                                    "7.2.0"));
  AddTrackingSubcommands(client, kCl);
  client.subcommands.push_back(Spec("help", 2, kLS, &ClientHelpCommand,
                                    "Returns helpful text about the different "
                                    "subcommands.",
                                    "5.0.0"));
  table.Register(std::move(client));
}

}  // namespace cairn
