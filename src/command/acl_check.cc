// The ACL check (Redis 7.0 ACLCheckAllUserCommandPerm): the command's bit, then each key against
// the key patterns (with the read / write access the command needs, as Redis's key specs say),
// then each channel against the channel patterns. Plus ACL LOG, and the three places that ask:
// the dispatcher (top level and MULTI queueing), EXEC (rules changed since queueing) and scripts.
#include <algorithm>
#include <chrono>

#include "acl_gate.h"
#include "acl_rules.h"
#include "cairn/command/acl.h"
#include "cairn/command/command_table.h"
#include "cairn/common/glob.h"
#include "cairn/common/strings.h"
#include "cairn/protocol/reply_builder.h"
#include "replies.h"

namespace cairn {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// How a command touches its keys (low nibble) and channels (high nibble), by CommandSpec::id.
// The key access is Redis 7.0's key-spec flags: ACCESS needs %R, INSERT / UPDATE / DELETE %W.
enum KeyClass : uint8_t {
  kKeysRead = 0,       // RO access: GET MGET TTL ...
  kKeysNoAccess = 1,   // RO, the value unread: EXISTS TYPE TOUCH STRLEN OBJECT ...
  kKeysWrite = 2,      // OW / RM / RW update: SET DEL EXPIRE APPEND ...
  kKeysReadWrite = 3,  // RW access update: INCR GETSET GETDEL GETEX
  kKeysRename = 4,     // RENAME: the source read and written, the destination written
  kKeysSet = 5,        // SET: written, also read with GET
  kKeysEval = 6,       // EVAL / EVALSHA script numkeys key ...: read and written
  kKeysEvalRo = 7,     // EVAL_RO / EVALSHA_RO: read
};
enum ChannelClass : uint8_t {
  kChanNone = 0,
  kChanFirst = 1 << 4,     // PUBLISH channel
  kChanAll = 2 << 4,       // SUBSCRIBE channel ...
  kChanPatterns = 3 << 4,  // PSUBSCRIBE pattern ... (compared literally)
};

uint8_t Classify(const CommandSpec& spec) {
  const std::string_view n = spec.full_name;
  uint8_t chan = kChanNone;
  if (n == "publish") chan = kChanFirst;
  if (n == "subscribe") chan = kChanAll;
  if (n == "psubscribe") chan = kChanPatterns;
  uint8_t keys = kKeysRead;
  if ((spec.flags & kCmdWrite) != 0) {
    keys = kKeysWrite;
    if (n == "incr" || n == "decr" || n == "incrby" || n == "decrby" || n == "incrbyfloat" ||
        n == "getset" || n == "getdel" || n == "getex") {
      keys = kKeysReadWrite;
    }
    if (n == "rename" || n == "renamenx") keys = kKeysRename;
    if (n == "set") keys = kKeysSet;
  } else if (n == "eval" || n == "evalsha") {
    keys = kKeysEval;
  } else if (n == "eval_ro" || n == "evalsha_ro") {
    keys = kKeysEvalRo;
  } else if (n == "exists" || n == "type" || n == "touch" || n == "strlen" || n == "watch" ||
             n.starts_with("object|") || n.starts_with("memory|")) {
    keys = kKeysNoAccess;
  }
  return static_cast<uint8_t>(keys | chan);
}

void ClassifyAll(const std::vector<CommandSpec>& specs, std::vector<uint8_t>& out) {
  for (const CommandSpec& spec : specs) {
    if (spec.id < out.size()) out[spec.id] = Classify(spec);
    ClassifyAll(spec.subcommands, out);
  }
}

uint8_t KeyPerms(uint8_t cls, Args args, size_t i) {
  switch (cls & 0x0f) {
    case kKeysNoAccess:
      return 0;
    case kKeysWrite:
      return kAclKeyWrite;
    case kKeysReadWrite:
      return kAclKeyRead | kAclKeyWrite;
    case kKeysRename:
      return i == 1 ? kAclKeyRead | kAclKeyWrite : kAclKeyWrite;
    case kKeysSet:
      for (size_t j = 3; j < args.size(); ++j) {
        if (EqualsIgnoreCase(args[j], "get")) return kAclKeyRead | kAclKeyWrite;
      }
      return kAclKeyWrite;
    default:
      return kAclKeyRead;
  }
}

bool KeyAllowed(const AclUser& u, std::string_view key, uint8_t need) {
  for (const AclKeyPattern& k : u.keys) {
    if ((k.perms & need) != need) continue;
    if (GlobMatch(k.pattern, key)) return true;
  }
  return false;
}

bool ChannelAllowed(const AclUser& u, std::string_view channel, bool is_pattern) {
  for (const std::string& p : u.channels) {
    if (is_pattern ? p == channel : GlobMatch(p, channel)) return true;
  }
  return false;
}

std::string_view ReasonName(AclDenial r) {
  switch (r) {
    case AclDenial::kKey:
      return "key";
    case AclDenial::kChannel:
      return "channel";
    case AclDenial::kAuth:
      return "auth";
    default:
      return "command";
  }
}

std::string_view ContextName(AclContext c) {
  switch (c) {
    case AclContext::kMulti:
      return "multi";
    case AclContext::kLua:
      return "lua";
    default:
      return "toplevel";
  }
}

// Resolves a queued command's spec (subcommand included); nullptr if unknown.
const CommandSpec* Resolve(const CommandTable& table, Args args) {
  const CommandSpec* spec = table.Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    spec = CommandTable::FindSubcommand(*spec, args[1]);
  }
  return spec;
}

// Checks and, when refused, logs the denial; returns it.
AclDenial CheckAndLog(CommandContext& ctx, const CommandSpec& spec, Args args, AclContext where) {
  Acl& acl = ctx.server.acl();
  const AclUser& user = acl.ClientUser(ctx.client);
  if (user.unrestricted) return AclDenial::kNone;
  size_t pos = 0;
  const AclDenial denial = acl.Check(user, spec, args, pos);
  if (denial == AclDenial::kNone) return denial;
  const std::string_view object =
      denial == AclDenial::kCommand ? std::string_view(spec.full_name) : args[pos];
  acl.Log(denial, where, object, user.name, ctx.server.ClientInfo(ctx.client));
  return denial;
}

}  // namespace

void Acl::Bind(const CommandTable& table) {
  std::call_once(bind_once_, [&] {
    key_class_.assign(table.id_count(), 0);
    ClassifyAll(table.all(), key_class_);
    table_.store(&table, std::memory_order_release);
    // The default user was made before the table was known: give it every command's bit.
    std::unique_lock lock(mu_);
    for (auto& [name, user] : users_) {
      if (!user->future_commands) continue;
      AclUser u = *user;
      ApplyAclRule(u, table, "+@all");
      FinishAclUser(u, table);
      user = std::make_shared<const AclUser>(std::move(u));
    }
    Publish();
  });
}

AclDenial Acl::Check(const AclUser& u, const CommandSpec& spec, Args args, size_t& pos) const {
  if (!u.all_commands && (spec.flags & kCmdNoAuth) == 0 && !u.CanRun(spec.id)) {
    return AclDenial::kCommand;
  }
  const uint8_t cls = spec.id < key_class_.size() ? key_class_[spec.id] : 0;
  if (!u.all_keys && spec.first_key > 0) {
    const CommandKeys keys(spec, args);
    for (size_t k = 0; k < keys.size(); ++k) {
      const size_t i = keys.position(k);
      if (!KeyAllowed(u, args[i], KeyPerms(cls, args, i))) {
        pos = i;
        return AclDenial::kKey;
      }
    }
  }
  if (!u.all_keys && ((cls & 0x0f) == kKeysEval || (cls & 0x0f) == kKeysEvalRo)) {
    // Scripts name their keys after numkeys (not in the table's key positions).
    const uint8_t need = (cls & 0x0f) == kKeysEval ? kAclKeyRead | kAclKeyWrite : kAclKeyRead;
    const auto numkeys = args.size() > 2 ? ParseInt64(args[2]) : std::nullopt;
    const size_t n = numkeys && *numkeys > 0 ? static_cast<size_t>(*numkeys) : 0;
    for (size_t i = 3; i < args.size() && i - 3 < n; ++i) {
      if (!KeyAllowed(u, args[i], need)) {
        pos = i;
        return AclDenial::kKey;
      }
    }
  }
  const uint8_t chan = cls & 0xf0;
  if (!u.all_channels && chan != kChanNone) {
    const size_t last = chan == kChanFirst ? std::min<size_t>(2, args.size()) : args.size();
    for (size_t i = 1; i < last; ++i) {
      if (!ChannelAllowed(u, args[i], chan == kChanPatterns)) {
        pos = i;
        return AclDenial::kChannel;
      }
    }
  }
  return AclDenial::kNone;
}

void Acl::Log(AclDenial reason, AclContext context, std::string_view object,
              std::string_view username, std::string client_info) {
  const int64_t now = NowMs();
  denied_[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(log_mu_);
  // As Redis: an entry like one of the last ten, within a minute, is counted in it.
  const size_t scan = std::min<size_t>(10, log_.size());
  for (size_t i = 0; i < scan; ++i) {
    AclLogEntry& e = log_[i];
    if (e.reason == reason && e.context == context && e.object == object &&
        e.username == username && now - e.created_ms <= 60000) {
      AclLogEntry moved = std::move(e);
      log_.erase(log_.begin() + static_cast<std::ptrdiff_t>(i));
      ++moved.count;
      moved.created_ms = now;
      moved.client_info = std::move(client_info);
      log_.push_front(std::move(moved));
      return;
    }
  }
  AclLogEntry e;
  e.reason = reason;
  e.context = context;
  e.object = object;
  e.username = username;
  e.created_ms = now;
  e.client_info = std::move(client_info);
  log_.push_front(std::move(e));
  while (log_.size() > log_max_len_) log_.pop_back();
}

std::vector<AclLogEntry> Acl::LogEntries(size_t count) const {
  std::lock_guard lock(log_mu_);
  const size_t n = std::min(count, log_.size());
  return {log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(n)};
}

void Acl::ResetLog() {
  std::lock_guard lock(log_mu_);
  log_.clear();
}

void Acl::SetLogMaxLen(size_t n) {
  std::lock_guard lock(log_mu_);
  log_max_len_ = n;
  while (log_.size() > log_max_len_) log_.pop_back();
}

bool AclAllowsSlow(CommandContext& ctx, const CommandSpec& spec, Args args) {
  const AclContext where = ctx.client.in_multi ? AclContext::kMulti : AclContext::kTopLevel;
  switch (CheckAndLog(ctx, spec, args, where)) {
    case AclDenial::kNone:
      return true;
    case AclDenial::kCommand: {
      std::string msg = "NOPERM this user has no permissions to run the '";
      msg.append(spec.full_name).append("' command");
      ctx.reply.Error(msg);
      return false;
    }
    case AclDenial::kKey:
      ctx.reply.Error(
          "NOPERM this user has no permissions to access one of the keys used as arguments");
      return false;
    default:
      ctx.reply.Error(
          "NOPERM this user has no permissions to access one of the channels used as arguments");
      return false;
  }
}

bool AclAllowsQueued(CommandContext& ctx, Args args) {
  if (ctx.server.acl().ClientUser(ctx.client).unrestricted) return true;
  const CommandSpec* spec = Resolve(*ctx.table, args);
  if (spec == nullptr) return true;  // the dispatcher answers for it
  const AclDenial denial = CheckAndLog(ctx, *spec, args, AclContext::kMulti);
  if (denial == AclDenial::kNone) return true;
  std::string msg =
      "NOPERM ACLs rules changed between the moment the transaction was accumulated and the "
      "EXEC call. This command is no longer allowed for the following reason: ";
  switch (denial) {
    case AclDenial::kCommand:
      msg.append("no permission to execute the command or subcommand");
      break;
    case AclDenial::kKey:
      msg.append("no permission to touch the specified keys");
      break;
    default:
      msg.append("no permission to access one of the channels used as arguments");
      break;
  }
  ctx.reply.Error(msg);
  return false;
}

const char* AclScriptRefusal(CommandContext& ctx, const CommandSpec& spec, Args args) {
  switch (CheckAndLog(ctx, spec, args, AclContext::kLua)) {
    case AclDenial::kNone:
      return nullptr;
    case AclDenial::kCommand:
      return "ERR The user executing the script can't run this command or subcommand";
    case AclDenial::kKey:
      return "ERR The user executing the script can't access at least one of the keys "
             "mentioned in the command arguments";
    default:
      return "ERR The user executing the script can't publish to the channel mentioned in the "
             "command";
  }
}

bool AclChannelAllowed(const AclUser& user, std::string_view channel, bool is_pattern) {
  return user.all_channels || ChannelAllowed(user, channel, is_pattern);
}

void ReplyAclLog(ReplyBuilder& reply, const std::vector<AclLogEntry>& entries) {
  const int64_t now = NowMs();
  reply.ArrayHeader(entries.size());
  for (const AclLogEntry& e : entries) {
    reply.MapHeader(7);
    reply.Bulk("count");
    reply.Integer(static_cast<int64_t>(e.count));
    reply.Bulk("reason");
    reply.Bulk(ReasonName(e.reason));
    reply.Bulk("context");
    reply.Bulk(ContextName(e.context));
    reply.Bulk("object");
    reply.Bulk(e.object);
    reply.Bulk("username");
    reply.Bulk(e.username);
    reply.Bulk("age-seconds");
    reply.Double(static_cast<double>(now - e.created_ms) / 1000.0);
    reply.Bulk("client-info");
    reply.Bulk(e.client_info);
  }
}

}  // namespace cairn
