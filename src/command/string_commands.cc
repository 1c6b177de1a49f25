// String commands (Redis 7.0 src/t_string.c semantics and error texts). One shared core per
// family: SetGeneric serves SET / SETNX / SETEX / PSETEX / GETSET, IncrByGeneric the INCR family;
// options are parsed with ArgCursor. Values are copied from the cache straight into the reply
// buffer under the shard lock; read-modify-writes go through CacheManager::Mutate.
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "arg_cursor.h"
#include "cairn/cache/cache_manager.h"
#include "cairn/command/families.h"
#include "cairn/common/strings.h"
#include "expire_args.h"
#include "notify.h"
#include "replies.h"
#include "spec_builder.h"
#include "tracking_commands.h"

namespace cairn {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

int64_t Now(const CommandContext& ctx) { return ctx.cache.clock().NowMs(); }

// --- SET family options (parseExtendedStringArgumentsOrReply) ---

enum class ExpireUnit : uint8_t { kNone, kEx, kPx, kExAt, kPxAt };

struct StringOptions {
  bool nx = false;
  bool xx = false;
  bool get = false;
  bool keep_ttl = false;
  bool persist = false;
  ExpireUnit unit = ExpireUnit::kNone;
  std::string_view expire_arg;
};

enum class OptionSet : uint8_t { kSet, kGetEx };

// EX/PX/EXAT/PXAT <value>: exclusive with each other (a repeat of the same one wins), with
// KEEPTTL and with PERSIST.
bool EatExpire(ArgCursor& cur, std::string_view flag, ExpireUnit unit, StringOptions& o) {
  if (o.keep_ttl || o.persist || (o.unit != ExpireUnit::kNone && o.unit != unit)) return false;
  if (!cur.EatFlagWithValue(flag)) return false;
  o.unit = unit;
  o.expire_arg = cur.Next();
  return true;
}

// Returns false on a syntax error (an unknown, conflicting or incomplete option).
bool ParseStringOptions(ArgCursor cur, OptionSet which, StringOptions& o) {
  const bool set = which == OptionSet::kSet;
  while (!cur.Done()) {
    if (set && !o.xx && cur.EatFlag("NX")) {
      o.nx = true;
    } else if (set && !o.nx && cur.EatFlag("XX")) {
      o.xx = true;
    } else if (set && cur.EatFlag("GET")) {
      o.get = true;
    } else if (set && o.unit == ExpireUnit::kNone && cur.EatFlag("KEEPTTL")) {
      o.keep_ttl = true;
    } else if (!set && o.unit == ExpireUnit::kNone && cur.EatFlag("PERSIST")) {
      o.persist = true;
    } else if (!EatExpire(cur, "EX", ExpireUnit::kEx, o) &&
               !EatExpire(cur, "PX", ExpireUnit::kPx, o) &&
               !EatExpire(cur, "EXAT", ExpireUnit::kExAt, o) &&
               !EatExpire(cur, "PXAT", ExpireUnit::kPxAt, o)) {
      return false;
    }
  }
  return true;
}

enum class ExpireParse : uint8_t { kOk, kNotInteger, kInvalid };

// getExpireMillisecondsOrReply without the reply: the absolute expiry in Unix ms. The value
// must be positive; relative units are added to now; overflow is invalid.
ExpireParse ParseExpireAt(const StringOptions& o, int64_t now, int64_t& at) {
  const std::optional<int64_t> v = ParseInt64(o.expire_arg);
  if (!v) return ExpireParse::kNotInteger;
  int64_t ms = *v;
  const bool seconds = o.unit == ExpireUnit::kEx || o.unit == ExpireUnit::kExAt;
  if (ms <= 0 || (seconds && ms > kInt64Max / 1000)) return ExpireParse::kInvalid;
  if (seconds) ms *= 1000;
  if (o.unit == ExpireUnit::kEx || o.unit == ExpireUnit::kPx) {
    if (ms > kInt64Max - now) return ExpireParse::kInvalid;
    ms += now;
  }
  at = ClampExpireMs(ms);
  return ExpireParse::kOk;
}

void ReplyExpireError(ReplyBuilder& reply, ExpireParse e, std::string_view command) {
  if (e == ExpireParse::kNotInteger) {
    reply.Error(replies::kNotInteger);
  } else {
    replies::InvalidExpireTime(reply, command);
  }
}

// setGenericCommand. `int_replies`: SETNX answers :1 / :0 instead of +OK / nil.
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value,
                const StringOptions& o, std::string_view command, bool int_replies = false) {
  SetOptions opts;
  if (o.unit != ExpireUnit::kNone) {
    const ExpireParse parsed = ParseExpireAt(o, Now(ctx), opts.expire_at_ms);
    if (parsed != ExpireParse::kOk) {
      ReplyExpireError(ctx.reply, parsed, command);
      return;
    }
  }
  opts.cond = o.nx   ? SetOptions::Cond::kIfAbsent
              : o.xx ? SetOptions::Cond::kIfPresent
                     : SetOptions::Cond::kAlways;
  opts.keep_ttl = o.keep_ttl;
  opts.want_old = o.get;
  const SetResult r = ctx.cache.Set(key, value, opts);
  if (replies::ReplyIfRefused(ctx.reply, r.status, ctx.cache)) return;
  if (r.status == OpStatus::kOk) {
    NotifyKeyspaceEvent(ctx, kNotifyString, "set", key);
    if (o.unit != ExpireUnit::kNone) NotifyKeyspaceEvent(ctx, kNotifyGeneric, "expire", key);
  }
  if (o.get) {  // GET: the old value whether or not NX / XX let the write happen
    r.old ? ctx.reply.Bulk(*r.old) : ctx.reply.Null();
  } else if (r.status == OpStatus::kNotApplied) {
    int_replies ? ctx.reply.Integer(0) : ctx.reply.Null();
  } else {
    int_replies ? ctx.reply.Integer(1) : ctx.reply.Ok();
  }
}

void SetCommand(CommandContext& ctx, Args args) {
  StringOptions o;
  if (!ParseStringOptions(ArgCursor(args, 3), OptionSet::kSet, o)) {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  SetGeneric(ctx, args[1], args[2], o, "set");
}

void SetNxCommand(CommandContext& ctx, Args args) {
  StringOptions o;
  o.nx = true;
  SetGeneric(ctx, args[1], args[2], o, "setnx", /*int_replies=*/true);
}

void SetExGeneric(CommandContext& ctx, Args args, ExpireUnit unit, std::string_view command) {
  StringOptions o;
  o.unit = unit;
  o.expire_arg = args[2];
  SetGeneric(ctx, args[1], args[3], o, command);
}

void SetExCommand(CommandContext& ctx, Args args) {
  SetExGeneric(ctx, args, ExpireUnit::kEx, "setex");
}

void PSetExCommand(CommandContext& ctx, Args args) {
  SetExGeneric(ctx, args, ExpireUnit::kPx, "psetex");
}

void GetSetCommand(CommandContext& ctx, Args args) {
  StringOptions o;
  o.get = true;
  SetGeneric(ctx, args[1], args[2], o, "getset");
}

// --- reads ---

// Replies with the value, or nil when the key is missing.
void ReplyValueOrNull(CommandContext& ctx, std::string_view key) {
  if (ctx.cache.Get(key, [&](const Entry& e) { replies::BulkValue(ctx.reply, e); }) !=
      OpStatus::kOk) {
    ctx.reply.Null();
  }
}

void GetCommand(CommandContext& ctx, Args args) { ReplyValueOrNull(ctx, args[1]); }

void MGetCommand(CommandContext& ctx, Args args) {
  ctx.reply.ArrayHeader(args.size() - 1);
  for (size_t i = 1; i < args.size(); ++i) ReplyValueOrNull(ctx, args[i]);
}

// Through Mutate rather than Take: Take answers "absent" when the store refused the delete,
// Mutate says kIoError. The value goes straight into the reply and is taken back if refused.
void GetDelCommand(CommandContext& ctx, Args args) {
  const size_t mark = ctx.reply.size();
  const OpStatus status = ctx.cache.Mutate(args[1], [&](const Entry* e) {
    ctx.reply.Truncate(mark);  // Mutate may call this more than once
    if (e == nullptr) return Mutation::Keep(OpStatus::kNotFound);
    replies::BulkValue(ctx.reply, *e);
    return Mutation::Delete();
  });
  if (status == OpStatus::kOk) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", args[1]);
    return;
  }
  ctx.reply.Truncate(mark);
  if (!replies::ReplyIfRefused(ctx.reply, status, ctx.cache)) ctx.reply.Null();
}

void GetExCommand(CommandContext& ctx, Args args) {
  StringOptions o;
  if (!ParseStringOptions(ArgCursor(args, 2), OptionSet::kGetEx, o)) {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  // Redis answers nil for a missing key before it validates the expire time.
  const size_t mark = ctx.reply.size();
  int64_t at = 0;
  const ExpireParse parsed =
      o.unit == ExpireUnit::kNone ? ExpireParse::kOk : ParseExpireAt(o, Now(ctx), at);
  const OpStatus found = ctx.cache.Get(args[1], [&](const Entry& e) {
    if (parsed == ExpireParse::kOk) {
      replies::BulkValue(ctx.reply, e);
    } else {
      ReplyExpireError(ctx.reply, parsed, "getex");
    }
  });
  if (found != OpStatus::kOk) {
    ctx.reply.Null();
    return;
  }
  if (parsed != ExpireParse::kOk) return;
  OpStatus status = OpStatus::kOk;
  if (o.unit != ExpireUnit::kNone) {
    status = ctx.cache.Expire(args[1], at);  // an EXAT / PXAT in the past deletes the key
  } else if (o.persist) {
    status = ctx.cache.Persist(args[1]);
  }
  // The value is already in the reply: a refused expiry change replaces it with the error.
  if (replies::IsWriteRefusal(status)) {
    ctx.reply.Truncate(mark);
    replies::WriteRefused(ctx.reply, status, ctx.cache);
  } else if (status == OpStatus::kOk && o.unit != ExpireUnit::kNone) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, at <= Now(ctx) ? "del" : "expire", args[1]);
    if (at > Now(ctx)) InvalidateTracked(ctx, args[1]);  // a deletion was sent by the cache
  } else if (status == OpStatus::kOk && o.persist) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "persist", args[1]);
    InvalidateTracked(ctx, args[1]);
  }
}

void StrLenCommand(CommandContext& ctx, Args args) {
  int64_t len = 0;
  ctx.cache.Get(args[1], [&](const Entry& e) { len = e.value_len(); });
  ctx.reply.Integer(len);
}

void GetRangeCommand(CommandContext& ctx, Args args) {
  const std::optional<int64_t> start_arg = ParseInt64(args[2]);
  const std::optional<int64_t> end_arg = ParseInt64(args[3]);
  if (!start_arg || !end_arg) {
    ctx.reply.Error(replies::kNotInteger);
    return;
  }
  const OpStatus found = ctx.cache.Get(args[1], [&](const Entry& e) {
    const auto len = static_cast<int64_t>(e.value_len());
    int64_t start = *start_arg, end = *end_arg;
    if (start < 0 && end < 0 && start > end) {
      ctx.reply.Bulk({});
      return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0) {
      ctx.reply.Bulk({});
    } else {
      ctx.reply.Bulk(
          e.value().substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
    }
  });
  if (found != OpStatus::kOk) ctx.reply.Bulk({});
}

// --- multi-key writes ---

void MSetGeneric(CommandContext& ctx, Args args, bool nx) {
  if (args.size() % 2 == 0) {
    replies::WrongArity(ctx.reply, nx ? "msetnx" : "mset");
    return;
  }
  // Reused per thread: MSET allocates nothing of its own once warm.
  thread_local std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.clear();
  for (size_t i = 1; i + 1 < args.size(); i += 2) pairs.emplace_back(args[i], args[i + 1]);
  const OpStatus status = ctx.cache.MultiSet(pairs, nx);
  pairs.clear();
  if (replies::ReplyIfRefused(ctx.reply, status, ctx.cache)) return;
  if (status == OpStatus::kOk) {
    for (size_t i = 1; i + 1 < args.size(); i += 2) {
      NotifyKeyspaceEvent(ctx, kNotifyString, "set", args[i]);
    }
  }
  if (nx) {
    ctx.reply.Integer(status == OpStatus::kOk ? 1 : 0);
  } else {
    ctx.reply.Ok();
  }
}

void MSetCommand(CommandContext& ctx, Args args) { MSetGeneric(ctx, args, false); }
void MSetNxCommand(CommandContext& ctx, Args args) { MSetGeneric(ctx, args, true); }

// --- counters ---

// incrDecrCommand: the value (absent = 0) must be an integer; the result must not overflow.
// On error the value is left unchanged.
void IncrByGeneric(CommandContext& ctx, std::string_view key, int64_t incr) {
  char buf[24];
  int64_t result = 0;
  const OpStatus status = ctx.cache.Mutate(key, [&](const Entry* e) {
    int64_t old = 0;
    if (e != nullptr) {
      const std::optional<int64_t> v = ParseInt64(e->value());
      if (!v) return Mutation::Keep(OpStatus::kNotInteger);
      old = *v;
    }
    if ((incr < 0 && old < 0 && incr < kInt64Min - old) ||
        (incr > 0 && old > 0 && incr > kInt64Max - old)) {
      return Mutation::Keep(OpStatus::kOverflow);
    }
    result = old + incr;
    const char* end = std::to_chars(buf, buf + sizeof(buf), result).ptr;
    return Mutation::Write({buf, static_cast<size_t>(end - buf)});
  });
  switch (status) {
    case OpStatus::kOk:
      NotifyKeyspaceEvent(ctx, kNotifyString, "incrby", key);
      ctx.reply.Integer(result);
      break;
    case OpStatus::kNotInteger:
      ctx.reply.Error(replies::kNotInteger);
      break;
    case OpStatus::kOverflow:
      ctx.reply.Error(replies::kOverflow);
      break;
    default:
      replies::WriteRefused(ctx.reply, status, ctx.cache);
      break;
  }
}

void IncrCommand(CommandContext& ctx, Args args) { IncrByGeneric(ctx, args[1], 1); }
void DecrCommand(CommandContext& ctx, Args args) { IncrByGeneric(ctx, args[1], -1); }

void IncrByCommand(CommandContext& ctx, Args args) {
  const std::optional<int64_t> incr = ParseInt64(args[2]);
  if (!incr) {
    ctx.reply.Error(replies::kNotInteger);
    return;
  }
  IncrByGeneric(ctx, args[1], *incr);
}

void DecrByCommand(CommandContext& ctx, Args args) {
  const std::optional<int64_t> decr = ParseInt64(args[2]);
  if (!decr) {
    ctx.reply.Error(replies::kNotInteger);
    return;
  }
  if (*decr == kInt64Min) {  // negating it would overflow
    ctx.reply.Error(replies::kDecrOverflow);
    return;
  }
  IncrByGeneric(ctx, args[1], -*decr);
}

void IncrByFloatCommand(CommandContext& ctx, Args args) {
  const std::optional<long double> incr = ParseLongDouble(args[2]);
  if (!incr) {
    ctx.reply.Error(replies::kNotFloat);
    return;
  }
  std::string formatted;
  const OpStatus status = ctx.cache.Mutate(args[1], [&](const Entry* e) {
    long double value = 0;
    if (e != nullptr) {
      const std::optional<long double> v = ParseLongDouble(e->value());
      if (!v) return Mutation::Keep(OpStatus::kInvalid);
      value = *v;
    }
    value += *incr;
    if (std::isnan(value) || std::isinf(value)) return Mutation::Keep(OpStatus::kOverflow);
    formatted = FormatLongDouble(value);
    return Mutation::Write(formatted);
  });
  switch (status) {
    case OpStatus::kOk:
      NotifyKeyspaceEvent(ctx, kNotifyString, "incrbyfloat", args[1]);
      ctx.reply.Bulk(formatted);
      break;
    case OpStatus::kInvalid:
      ctx.reply.Error(replies::kNotFloat);
      break;
    case OpStatus::kOverflow:
      ctx.reply.Error(replies::kNanOrInf);
      break;
    default:
      replies::WriteRefused(ctx.reply, status, ctx.cache);
      break;
  }
}

// --- in-place edits ---

// checkStringLength: would a string of `size` + `append` bytes exceed proto-max-bulk-len?
bool TooLong(const CommandContext& ctx, uint64_t size, uint64_t append) {
  return size + append > ctx.server.proto_max_bulk_len();
}

void AppendCommand(CommandContext& ctx, Args args) {
  const std::string_view tail = args[2];
  const uint64_t max_len = ctx.server.proto_max_bulk_len();
  std::string joined;
  int64_t total = 0;
  const OpStatus status = ctx.cache.Mutate(args[1], [&](const Entry* e) {
    if (e == nullptr) {  // a new key: no length check, as in Redis
      total = static_cast<int64_t>(tail.size());
      return Mutation::Write(tail);
    }
    if (uint64_t{e->value_len()} + tail.size() > max_len) {
      return Mutation::Keep(OpStatus::kInvalid);
    }
    // Mutate may call this more than once (it retries after evicting): rebuild from scratch.
    joined.reserve(e->value_len() + tail.size());
    joined.assign(e->value()).append(tail);
    total = static_cast<int64_t>(joined.size());
    return Mutation::Write(joined);
  });
  if (status == OpStatus::kInvalid) {
    ctx.reply.Error(replies::kStringTooLong);
  } else if (!replies::ReplyIfRefused(ctx.reply, status, ctx.cache)) {
    NotifyKeyspaceEvent(ctx, kNotifyString, "append", args[1]);
    ctx.reply.Integer(total);
  }
}

void SetRangeCommand(CommandContext& ctx, Args args) {
  const std::optional<int64_t> offset_arg = ParseInt64(args[2]);
  if (!offset_arg) {
    ctx.reply.Error(replies::kNotInteger);
    return;
  }
  if (*offset_arg < 0) {
    ctx.reply.Error(replies::kOffsetRange);
    return;
  }
  const auto offset = static_cast<uint64_t>(*offset_arg);
  const std::string_view patch = args[3];
  // Setting nothing never checks the length (and never creates the key).
  if (!patch.empty() && TooLong(ctx, offset, patch.size())) {
    ctx.reply.Error(replies::kStringTooLong);
    return;
  }
  std::string updated;
  int64_t total = 0;
  const OpStatus status = ctx.cache.Mutate(args[1], [&](const Entry* e) {
    if (patch.empty()) {
      total = e == nullptr ? 0 : static_cast<int64_t>(e->value_len());
      return Mutation::Keep();
    }
    // Mutate may call this more than once (it retries after evicting): rebuild from scratch.
    if (e != nullptr) {
      updated.assign(e->value());
    } else {
      updated.clear();
    }
    if (updated.size() < offset + patch.size()) updated.resize(offset + patch.size(), '\0');
    std::memcpy(updated.data() + offset, patch.data(), patch.size());
    total = static_cast<int64_t>(updated.size());
    return Mutation::Write(updated);
  });
  if (replies::ReplyIfRefused(ctx.reply, status, ctx.cache)) return;
  if (!patch.empty()) NotifyKeyspaceEvent(ctx, kNotifyString, "setrange", args[1]);
  ctx.reply.Integer(total);
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  constexpr SpecBuilder Spec("string");
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kWD = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kF = kCmdFast;
  table.Register(Spec("get", 2, kR | kF, {1, 1, 1}, &GetCommand, "Get the value of a key"));
  table.Register(Spec("set", -3, kWD, {1, 1, 1}, &SetCommand, "Set the string value of a key"));
  table.Register(Spec("setnx", 3, kWD | kF, {1, 1, 1}, &SetNxCommand,
                      "Set the value of a key, only if the key does not exist"));
  table.Register(Spec("setex", 4, kWD, {1, 1, 1}, &SetExCommand,
                      "Set the value and expiration of a key", "2.0.0"));
  table.Register(Spec("psetex", 4, kWD, {1, 1, 1}, &PSetExCommand,
                      "Set the value and expiration in milliseconds of a key", "2.6.0"));
  table.Register(Spec("getset", 3, kWD | kF, {1, 1, 1}, &GetSetCommand,
                      "Set the string value of a key and return its old value"));
  table.Register(Spec("getdel", 2, kW | kF, {1, 1, 1}, &GetDelCommand,
                      "Get the value of a key and delete the key", "6.2.0"));
  table.Register(Spec("getex", -2, kW | kF, {1, 1, 1}, &GetExCommand,
                      "Get the value of a key and optionally set its expiration", "6.2.0"));
  table.Register(
      Spec("mget", -2, kR | kF, {1, -1, 1}, &MGetCommand, "Get the values of all the given keys"));
  table.Register(Spec("mset", -3, kWD, {1, -1, 2}, &MSetCommand,
                      "Set multiple keys to multiple values", "1.0.1"));
  table.Register(Spec("msetnx", -3, kWD, {1, -1, 2}, &MSetNxCommand,
                      "Set multiple keys to multiple values, only if none of the keys exist",
                      "1.0.1"));
  table.Register(Spec("incr", 2, kWD | kF, {1, 1, 1}, &IncrCommand,
                      "Increment the integer value of a key by one"));
  table.Register(Spec("decr", 2, kWD | kF, {1, 1, 1}, &DecrCommand,
                      "Decrement the integer value of a key by one"));
  table.Register(Spec("incrby", 3, kWD | kF, {1, 1, 1}, &IncrByCommand,
                      "Increment the integer value of a key by the given amount"));
  table.Register(Spec("decrby", 3, kWD | kF, {1, 1, 1}, &DecrByCommand,
                      "Decrement the integer value of a key by the given number"));
  table.Register(Spec("incrbyfloat", 3, kWD | kF, {1, 1, 1}, &IncrByFloatCommand,
                      "Increment the float value of a key by the given amount", "2.6.0"));
  table.Register(
      Spec("append", 3, kWD | kF, {1, 1, 1}, &AppendCommand, "Append a value to a key", "2.0.0"));
  table.Register(Spec("strlen", 2, kR | kF, {1, 1, 1}, &StrLenCommand,
                      "Get the length of the value stored in a key", "2.2.0"));
  table.Register(Spec("getrange", 4, kR, {1, 1, 1}, &GetRangeCommand,
                      "Get a substring of the string stored at a key", "2.4.0"));
  table.Register(Spec("substr", 4, kR, {1, 1, 1}, &GetRangeCommand,
                      "Get a substring of the string stored at a key", "1.0.0"));
  table.Register(Spec("setrange", 4, kWD, {1, 1, 1}, &SetRangeCommand,
                      "Overwrite part of a string at key starting at the specified offset",
                      "2.2.0"));
}

}  // namespace cairn
