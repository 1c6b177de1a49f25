// Keyspace commands (Redis 7.0 src/expire.c, src/db.c, src/object.c semantics and error texts):
// DEL UNLINK EXISTS TOUCH, the EXPIRE family (one core, NX XX GT LT), TTL family, PERSIST, TYPE,
// RENAME(NX), KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, OBJECT and MEMORY USAGE.
// Metadata reads use CacheManager::Peek (no hit/miss counting, no access update), as Redis does
// with LOOKUP_NOTOUCH.
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "arg_cursor.h"
#include "cairn/cache/cache_manager.h"
#include "cairn/command/families.h"
#include "cairn/common/glob.h"
#include "cairn/common/strings.h"
#include "cairn/eviction/lfu_counter.h"
#include "expire_args.h"
#include "notify.h"
#include "replies.h"
#include "spec_builder.h"
#include "tracking_commands.h"
#include "undo_history.h"

namespace cairn {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

int64_t Now(const CommandContext& ctx) { return ctx.cache.clock().NowMs(); }

// --- DEL / UNLINK / EXISTS / TOUCH: count the keys for which the operation succeeded ---

template <typename Op>
void CountKeys(CommandContext& ctx, Args args, Op op) {
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); ++i) n += op(args[i]) ? 1 : 0;
  ctx.reply.Integer(n);
}

// Deletes through Mutate rather than Delete: Delete answers "absent" when the store refused the
// delete, Mutate says kIoError (and kBackpressure over the write-back hard limit, as for every
// write). The first refused key ends the command with its error; the keys before it stay deleted.
void DelCommand(CommandContext& ctx, Args args) {
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    const OpStatus status = ctx.cache.Mutate(args[i], [](const Entry* e) {
      return e == nullptr ? Mutation::Keep(OpStatus::kNotFound) : Mutation::Delete();
    });
    if (status == OpStatus::kOk) {
      ++n;
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", args[i]);
    } else if (replies::ReplyIfRefused(ctx.reply, status, ctx.cache)) {
      return;
    }
  }
  ctx.reply.Integer(n);
}

void ExistsCommand(CommandContext& ctx, Args args) {
  CountKeys(ctx, args, [&](std::string_view k) { return ctx.cache.Exists(k); });
}

void TouchCommand(CommandContext& ctx, Args args) {
  CountKeys(ctx, args, [&](std::string_view k) { return ctx.cache.Touch(k); });
}

// --- EXPIRE family (expireGenericCommand) ---

// EXPIRE / PEXPIRE add `now` as the base time, EXPIREAT / PEXPIREAT 0.
void ExpireGeneric(CommandContext& ctx, Args args, bool relative, bool seconds,
                   std::string_view command) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < args.size(); ++i) {
    const std::string_view opt = args[i];
    if (EqualsIgnoreCase(opt, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      gt = true;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      lt = true;
    } else {
      std::string msg = "ERR Unsupported option ";
      msg.append(opt.substr(0, opt.find('\0')));
      ctx.reply.Error(msg);
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if (gt && lt) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return;
  }
  const std::optional<int64_t> arg = ParseInt64(args[2]);
  if (!arg) {
    ctx.reply.Error(replies::kNotInteger);
    return;
  }
  // Negative times are allowed (they delete the key); only overflow is an error.
  int64_t when = *arg;
  if (seconds) {
    if (when > kInt64Max / 1000 || when < kInt64Min / 1000) {
      replies::InvalidExpireTime(ctx.reply, command);
      return;
    }
    when *= 1000;
  }
  const int64_t base = relative ? Now(ctx) : 0;
  if (when > kInt64Max - base) {
    replies::InvalidExpireTime(ctx.reply, command);
    return;
  }
  when = ClampExpireMs(when + base);

  ExpireCond cond = ExpireCond::kAlways;
  if (nx) {
    cond = ExpireCond::kNx;
  } else if (gt) {
    cond = ExpireCond::kGt;  // GT already fails on a key without expiry: XX adds nothing
  } else if (lt) {
    cond = ExpireCond::kLt;
    if (xx) {
      // XX LT: LT alone would also apply to a key without expiry; XX requires one.
      bool has_expiry = false;
      ctx.cache.Peek(args[1], [&](const Entry& e) { has_expiry = e.has_expiry(); });
      if (!has_expiry) {
        ctx.reply.Integer(0);
        return;
      }
    }
  } else if (xx) {
    cond = ExpireCond::kXx;
  }
  const OpStatus status = ctx.cache.Expire(args[1], when, cond);
  if (replies::ReplyIfRefused(ctx.reply, status, ctx.cache)) return;
  if (status == OpStatus::kOk) {
    // A time already past deleted the key (Redis: a "del" event).
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, when <= Now(ctx) ? "del" : "expire", args[1]);
    // A new expiry is a change, as in Redis (a deletion was already sent by the cache).
    if (when > Now(ctx)) InvalidateTracked(ctx, args[1]);
  }
  ctx.reply.Integer(status == OpStatus::kOk ? 1 : 0);
}

void ExpireCommand(CommandContext& ctx, Args args) {
  ExpireGeneric(ctx, args, true, true, "expire");
}
void PExpireCommand(CommandContext& ctx, Args args) {
  ExpireGeneric(ctx, args, true, false, "pexpire");
}
void ExpireAtCommand(CommandContext& ctx, Args args) {
  ExpireGeneric(ctx, args, false, true, "expireat");
}
void PExpireAtCommand(CommandContext& ctx, Args args) {
  ExpireGeneric(ctx, args, false, false, "pexpireat");
}

// ttlGenericCommand: -2 missing, -1 no expiry, else the (remaining or absolute) time; seconds
// are rounded to the nearest.
void TtlGeneric(CommandContext& ctx, Args args, bool millis, bool absolute) {
  int64_t expire_at = 0;
  if (ctx.cache.Peek(args[1], [&](const Entry& e) { expire_at = e.expire_at_ms(); }) !=
      OpStatus::kOk) {
    ctx.reply.Integer(-2);
    return;
  }
  if (expire_at == 0) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t t = absolute ? expire_at : expire_at - Now(ctx);
  if (t < 0) t = 0;
  ctx.reply.Integer(millis ? t : (t + 500) / 1000);
}

void TtlCommand(CommandContext& ctx, Args args) { TtlGeneric(ctx, args, false, false); }
void PTtlCommand(CommandContext& ctx, Args args) { TtlGeneric(ctx, args, true, false); }
void ExpireTimeCommand(CommandContext& ctx, Args args) { TtlGeneric(ctx, args, false, true); }
void PExpireTimeCommand(CommandContext& ctx, Args args) { TtlGeneric(ctx, args, true, true); }

void PersistCommand(CommandContext& ctx, Args args) {
  const OpStatus status = ctx.cache.Persist(args[1]);
  if (replies::ReplyIfRefused(ctx.reply, status, ctx.cache)) return;
  if (status == OpStatus::kOk) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "persist", args[1]);
    InvalidateTracked(ctx, args[1]);
  }
  ctx.reply.Integer(status == OpStatus::kOk ? 1 : 0);
}

void TypeCommand(CommandContext& ctx, Args args) {
  const bool found = ctx.cache.Peek(args[1], [](const Entry&) {}) == OpStatus::kOk;
  ctx.reply.SimpleString(found ? "string" : "none");
}

// --- RENAME / RENAMENX ---

void RenameGeneric(CommandContext& ctx, Args args, bool nx) {
  const OpStatus status = ctx.cache.Rename(args[1], args[2], nx);
  switch (status) {
    case OpStatus::kOk:
      if (args[1] != args[2]) {  // renaming a key to itself publishes nothing
        NotifyKeyspaceEvent(ctx, kNotifyGeneric, "rename_from", args[1]);
        NotifyKeyspaceEvent(ctx, kNotifyGeneric, "rename_to", args[2]);
      }
      nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
      break;
    case OpStatus::kNotApplied:
      ctx.reply.Integer(0);
      break;
    case OpStatus::kNotFound:
      ctx.reply.Error(replies::kNoSuchKey);
      break;
    default:  // OOM, IOERR, BUSY
      replies::WriteRefused(ctx.reply, status, ctx.cache);
      break;
  }
}

void RenameCommand(CommandContext& ctx, Args args) { RenameGeneric(ctx, args, false); }
void RenameNxCommand(CommandContext& ctx, Args args) { RenameGeneric(ctx, args, true); }

// --- whole keyspace ---

void KeysCommand(CommandContext& ctx, Args args) {
  const std::vector<std::string> keys = ctx.cache.Keys(args[1]);
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

// parseScanCursorOrReply: strtoul rules (so "+5" and "" parse; spaces and junk do not).
bool ParseScanCursor(std::string_view arg, uint64_t& cursor) {
  const std::string text(arg);
  char* end = nullptr;
  errno = 0;
  cursor = std::strtoull(text.c_str(), &end, 10);
  return !std::isspace(static_cast<unsigned char>(text.c_str()[0])) && *end == '\0' &&
         errno != ERANGE;
}

void ScanCommand(CommandContext& ctx, Args args) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(args[1], cursor)) {
    ctx.reply.Error(replies::kInvalidCursor);
    return;
  }
  int64_t count = 10;
  std::string_view pattern, type;
  bool use_pattern = false, use_type = false;
  ArgCursor cur(args, 2);
  while (!cur.Done()) {
    if (cur.EatFlagWithValue("COUNT")) {
      const std::optional<int64_t> n = ParseInt64(cur.Next());
      if (!n) {
        ctx.reply.Error(replies::kNotInteger);
        return;
      }
      if (*n < 1) {
        ctx.reply.Error(replies::kSyntaxError);
        return;
      }
      count = *n;
    } else if (cur.EatFlagWithValue("MATCH")) {
      pattern = cur.Next();
      use_pattern = pattern != "*";  // "*" matches everything: no filtering
    } else if (cur.EatFlagWithValue("TYPE")) {
      type = cur.Next();
      use_type = true;
    } else {
      ctx.reply.Error(replies::kSyntaxError);
      return;
    }
  }
  // Every value is a string: TYPE string filters nothing, any other type everything.
  const bool want_none = use_type && !EqualsIgnoreCase(type, "string");
  // Keys are copied under the shard lock and matched after it is released: a long pattern costs
  // this caller, not the writers of the shard.
  std::vector<std::string> keys;
  const uint64_t next = ctx.cache.Scan(cursor, static_cast<size_t>(count), [&](const Entry& e) {
    if (!want_none) keys.emplace_back(e.key());
  });
  if (use_pattern) {
    std::erase_if(keys, [&](const std::string& k) { return !GlobMatch(pattern, k); });
  }
  char digits[24];
  const char* end = std::to_chars(digits, digits + sizeof(digits), next).ptr;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk({digits, static_cast<size_t>(end - digits)});
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

void RandomKeyCommand(CommandContext& ctx, Args) {
  const std::optional<std::string> key = ctx.cache.RandomKey();
  key ? ctx.reply.Bulk(*key) : ctx.reply.Null();
}

void DbSizeCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.cache.Size()));
}

// FLUSHDB / FLUSHALL [ASYNC|SYNC]: one database, so both empty the whole cache.
void FlushCommand(CommandContext& ctx, Args args) {
  if (args.size() > 2 || (args.size() == 2 && !EqualsIgnoreCase(args[1], "sync") &&
                          !EqualsIgnoreCase(args[1], "async"))) {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  const OpStatus st = ctx.cache.Flush();
  InvalidateAllTracked(ctx);  // client-side caches drop everything (a null invalidation)
  // Not undoable (a whole keyspace is no undo step): the caller's history is cleared instead.
  if (ctx.client.undo) ctx.client.undo->Clear();
  if (st == OpStatus::kIoError) {  // memory is empty, but the store still holds the keys
    replies::IoError(ctx.reply, "clearing the persistent store failed", ctx.cache);
    return;
  }
  ctx.reply.Ok();
}

// --- OBJECT (container: the dispatcher resolves the subcommand and checks its arity) ---

// Redis's encoding of a string value: "int" when it is a 64-bit integer in canonical form,
// "embstr" up to 44 bytes, "raw" above.
std::string_view StringEncoding(std::string_view v) {
  if (v.size() <= 20 && ParseInt64(v)) return "int";
  return v.size() <= 44 ? "embstr" : "raw";
}

// Runs `fn` on the entry (without touching it) or replies nil when the key is missing.
template <typename Fn>
void WithEntryOrNull(CommandContext& ctx, std::string_view key, Fn fn) {
  if (ctx.cache.Peek(key, [&](const Entry& e) { fn(e); }) != OpStatus::kOk) ctx.reply.Null();
}

void ObjectEncodingCommand(CommandContext& ctx, Args args) {
  WithEntryOrNull(ctx, args[2], [&](const Entry& e) { ctx.reply.Bulk(StringEncoding(e.value())); });
}

// Redis answers FREQ only under an LFU policy and IDLETIME only under any other, after the
// key lookup (a missing key is nil whatever the policy). Cairn keeps both the LFU counter and
// the last access for every policy (lfu_counter.h); it refuses the same way so that clients and
// Redis's own tests see Redis's behaviour. An LFU policy is one whose name contains "lfu".
constexpr std::string_view kFreqNotTracked =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";
constexpr std::string_view kIdleNotTracked =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";

bool LfuPolicy(const CommandContext& ctx) {
  return ctx.cache.policy().find("lfu") != std::string::npos;
}

void ObjectFreqCommand(CommandContext& ctx, Args args) {
  const auto now_s = static_cast<uint32_t>(Now(ctx) / 1000);
  uint8_t freq = 0;
  uint32_t last_access_s = 0;
  if (ctx.cache.Peek(args[2], [&](const Entry& e) {
        freq = e.freq();
        last_access_s = e.last_access_s();
      }) != OpStatus::kOk) {
    ctx.reply.Null();
  } else if (!LfuPolicy(ctx)) {
    ctx.reply.Error(kFreqNotTracked);
  } else {
    // The policy keeps the raw counter and decays it lazily; report it decayed, as Redis does.
    ctx.reply.Integer(lfu::Decay(freq, last_access_s, now_s));
  }
}

void ObjectIdleTimeCommand(CommandContext& ctx, Args args) {
  const int64_t now_s = Now(ctx) / 1000;
  int64_t last_access_s = 0;
  if (ctx.cache.Peek(args[2], [&](const Entry& e) { last_access_s = e.last_access_s(); }) !=
      OpStatus::kOk) {
    ctx.reply.Null();
  } else if (LfuPolicy(ctx)) {
    ctx.reply.Error(kIdleNotTracked);
  } else {
    const int64_t idle = now_s - last_access_s;
    ctx.reply.Integer(idle < 0 ? 0 : idle);
  }
}

void ObjectRefCountCommand(CommandContext& ctx, Args args) {
  WithEntryOrNull(ctx, args[2], [&](const Entry&) { ctx.reply.Integer(1); });
}

void ObjectHelpCommand(CommandContext& ctx, Args args) {
  static constexpr std::string_view kLines[] = {
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
  };
  replies::Help(ctx.reply, args[0], kLines);
}

// --- MEMORY (container) ---

void MemoryUsageCommand(CommandContext& ctx, Args args) {
  ArgCursor cur(args, 3);
  while (!cur.Done()) {
    if (!cur.EatFlagWithValue("SAMPLES")) {
      ctx.reply.Error(replies::kSyntaxError);
      return;
    }
    const std::optional<int64_t> samples = ParseInt64(cur.Next());
    if (!samples) {
      ctx.reply.Error(replies::kNotInteger);
      return;
    }
    if (*samples < 0) {
      ctx.reply.Error(replies::kSyntaxError);
      return;
    }
  }
  // The entry's charge: header + key + value + index slot (entry.h), exact and deterministic.
  WithEntryOrNull(ctx, args[2],
                  [&](const Entry& e) { ctx.reply.Integer(static_cast<int64_t>(e.charge())); });
}

void MemoryHelpCommand(CommandContext& ctx, Args args) {
  static constexpr std::string_view kLines[] = {
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
  };
  replies::Help(ctx.reply, args[0], kLines);
}

}  // namespace

void RegisterKeyspaceCommands(CommandTable& table) {
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kF = kCmdFast;
  constexpr uint32_t kDanger = kCmdDangerous;
  constexpr SpecBuilder Spec("keyspace");
  // DBSIZE, FLUSH* and MEMORY are "server" commands in Redis's docs.
  constexpr SpecBuilder ServerSpec("server");
  table.Register(Spec("del", -2, kW, {1, -1, 1}, &DelCommand, "Delete a key"));
  table.Register(Spec("unlink", -2, kW | kF, {1, -1, 1}, &DelCommand,
                      "Delete a key asynchronously in another thread. Otherwise it is just as DEL, "
                      "but non blocking.",
                      "4.0.0"));
  table.Register(
      Spec("exists", -2, kR | kF, {1, -1, 1}, &ExistsCommand, "Determine if a key exists"));
  table.Register(Spec(
      "touch", -2, kR | kF, {1, -1, 1}, &TouchCommand,
      "Alters the last access time of a key(s). Returns the number of existing keys specified.",
      "3.2.1"));
  table.Register(Spec("expire", -3, kW | kF, {1, 1, 1}, &ExpireCommand,
                      "Set a key's time to live in seconds"));
  table.Register(Spec("pexpire", -3, kW | kF, {1, 1, 1}, &PExpireCommand,
                      "Set a key's time to live in milliseconds", "2.6.0"));
  table.Register(Spec("expireat", -3, kW | kF, {1, 1, 1}, &ExpireAtCommand,
                      "Set the expiration for a key as a UNIX timestamp", "1.2.0"));
  table.Register(Spec("pexpireat", -3, kW | kF, {1, 1, 1}, &PExpireAtCommand,
                      "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                      "2.6.0"));
  table.Register(Spec("expiretime", 2, kR | kF, {1, 1, 1}, &ExpireTimeCommand,
                      "Get the expiration Unix timestamp for a key", "7.0.0"));
  table.Register(Spec("pexpiretime", 2, kR | kF, {1, 1, 1}, &PExpireTimeCommand,
                      "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"));
  table.Register(
      Spec("ttl", 2, kR | kF, {1, 1, 1}, &TtlCommand, "Get the time to live for a key in seconds"));
  table.Register(Spec("pttl", 2, kR | kF, {1, 1, 1}, &PTtlCommand,
                      "Get the time to live for a key in milliseconds", "2.6.0"));
  table.Register(Spec("persist", 2, kW | kF, {1, 1, 1}, &PersistCommand,
                      "Remove the expiration from a key", "2.2.0"));
  table.Register(
      Spec("type", 2, kR | kF, {1, 1, 1}, &TypeCommand, "Determine the type stored at key"));
  table.Register(Spec("rename", 3, kW, {1, 2, 1}, &RenameCommand, "Rename a key"));
  table.Register(Spec("renamenx", 3, kW | kF, {1, 2, 1}, &RenameNxCommand,
                      "Rename a key, only if the new key does not exist"));
  table.Register(
      Spec("keys", 2, kR | kDanger, &KeysCommand, "Find all keys matching the given pattern"));
  table.Register(
      Spec("scan", -2, kR, &ScanCommand, "Incrementally iterate the keys space", "2.8.0"));
  table.Register(
      Spec("randomkey", 1, kR, &RandomKeyCommand, "Return a random key from the keyspace"));
  // DBSIZE and FLUSH* have keyspace ACL categories.
  CommandSpec dbsize = ServerSpec("dbsize", 1, kR | kF, &DbSizeCommand,
                                  "Return the number of keys in the selected database");
  dbsize.acl_categories = {"keyspace", "read", "fast"};
  CommandSpec flushdb = ServerSpec("flushdb", -1, kW | kDanger, &FlushCommand,
                                   "Remove all keys from the current database");
  CommandSpec flushall =
      ServerSpec("flushall", -1, kW | kDanger, &FlushCommand, "Remove all keys from all databases");
  flushdb.acl_categories = flushall.acl_categories = {"keyspace", "write", "slow", "dangerous"};
  for (CommandSpec* spec : {&dbsize, &flushdb, &flushall}) table.Register(std::move(*spec));

  CommandSpec object =
      Spec.Container("object", "A container for object introspection commands", "2.2.3");
  object.acl_categories = {"slow"};  // a container has only @slow; its subcommands derive theirs
  object.subcommands.push_back(Spec("encoding", 3, kR, {2, 2, 1}, &ObjectEncodingCommand,
                                    "Inspect the internal encoding of a Redis object", "2.2.3"));
  object.subcommands.push_back(
      Spec("freq", 3, kR, {2, 2, 1}, &ObjectFreqCommand,
           "Get the logarithmic access frequency counter of a Redis object", "4.0.0"));
  object.subcommands.push_back(Spec("help", 2, kCmdLoading | kCmdStale, &ObjectHelpCommand,
                                    "Show helpful text about the different subcommands", "6.2.0"));
  object.subcommands.push_back(Spec("idletime", 3, kR, {2, 2, 1}, &ObjectIdleTimeCommand,
                                    "Get the time since a Redis object was last accessed",
                                    "2.2.3"));
  object.subcommands.push_back(Spec("refcount", 3, kR, {2, 2, 1}, &ObjectRefCountCommand,
                                    "Get the number of references to the value of the key",
                                    "2.2.3"));
  table.Register(std::move(object));

  CommandSpec memory =
      ServerSpec.Container("memory", "A container for memory diagnostics commands", "4.0.0");
  memory.subcommands.push_back(ServerSpec("help", 2, kCmdLoading | kCmdStale, &MemoryHelpCommand,
                                          "Show helpful text about the different subcommands",
                                          "4.0.0"));
  memory.subcommands.push_back(ServerSpec("usage", -3, kR, {2, 2, 1}, &MemoryUsageCommand,
                                          "Estimate the memory usage of a key", "4.0.0"));
  table.Register(std::move(memory));
}

}  // namespace cairn
