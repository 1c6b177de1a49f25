// Error texts and small reply helpers shared by the command families (Redis 7.0 wording).
// Private to the command module.
#pragma once

#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "cairn/cache/cache_manager.h"
#include "cairn/cache/entry.h"
#include "cairn/common/status.h"
#include "cairn/protocol/reply_builder.h"

namespace cairn::replies {

inline constexpr std::string_view kSyntaxError = "ERR syntax error";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kDecrOverflow = "ERR decrement would overflow";
inline constexpr std::string_view kNanOrInf = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kOffsetRange = "ERR offset is out of range";
inline constexpr std::string_view kStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";

// "ERR invalid expire time in 'set' command"
inline void InvalidExpireTime(ReplyBuilder& reply, std::string_view command) {
  std::string msg = "ERR invalid expire time in '";
  msg.append(command).append("' command");
  reply.Error(msg);
}

// "ERR wrong number of arguments for 'get' command"
inline void WrongArity(ReplyBuilder& reply, std::string_view full_name) {
  std::string msg = "ERR wrong number of arguments for '";
  msg.append(full_name).append("' command");
  reply.Error(msg);
}

// --- refused writes ---
// Every write command answers a write the cache refused through WriteRefused, so that one
// status always reads the same (the code word first, as Redis errors do):
//
//   kOutOfMemory   -OOM command not allowed when used memory > 'maxmemory'.
//                  (capacity reached, nothing evictable: Redis's text, unchanged)
//   kIoError       -MISCONF Errors writing to the persistent store: <store message>
//                  (write-through: the store refused the write - disk full, read-only, I/O
//                  error; nothing changed in memory or in the store. Redis's convention for
//                  "persistence is failing, writes are refused", as in its "-MISCONF Errors
//                  writing to the AOF file: ...")
//   kBackpressure  -BUSY write-back backlog over write-back-hard-limit; retry later
//                  (write-back-overflow reject, or block timed out; nothing changed)
//   FLUSHALL/FLUSHDB whose store could not be cleared (memory is empty, the store is not):
//                  -IOERR clearing the persistent store failed: <store message>
//
// Multi-key commands that write key by key (DEL, UNLINK) stop at the first refused key and
// answer its error; the keys before it stay deleted.
inline constexpr std::string_view kBackpressure =
    "BUSY write-back backlog over write-back-hard-limit; retry later";

// True for the statuses with which the cache refuses a write (WriteRefused's cases).
inline bool IsWriteRefusal(OpStatus status) {
  return status == OpStatus::kOutOfMemory || status == OpStatus::kIoError ||
         status == OpStatus::kBackpressure;
}

// "<code> <what>: <message>"; the message is the tier's last error (CacheManager::tier_error).
inline void StoreError(ReplyBuilder& reply, std::string_view code, std::string_view what,
                       const CacheManager& cache) {
  std::string msg(code);
  const Status st = cache.tier_error();
  const std::string& detail = st.message();
  msg.append(" ").append(what).append(": ").append(detail.empty() ? "unknown error" : detail);
  reply.Error(msg);
}
inline void IoError(ReplyBuilder& reply, std::string_view what, const CacheManager& cache) {
  StoreError(reply, "IOERR", what, cache);
}

// A write the cache refused (see the table above); any other status as "ERR <status>".
inline void WriteRefused(ReplyBuilder& reply, OpStatus status, const CacheManager& cache) {
  switch (status) {
    case OpStatus::kOutOfMemory:
      reply.Error(kOom);
      return;
    case OpStatus::kIoError:
      StoreError(reply, "MISCONF", "Errors writing to the persistent store", cache);
      return;
    case OpStatus::kBackpressure:
      reply.Error(kBackpressure);
      return;
    default: {
      std::string msg = "ERR ";
      msg.append(ToString(status));
      reply.Error(msg);
      return;
    }
  }
}

// Answers a refused write and returns true; returns false (writing nothing) otherwise.
inline bool ReplyIfRefused(ReplyBuilder& reply, OpStatus status, const CacheManager& cache) {
  if (!IsWriteRefusal(status)) return false;
  WriteRefused(reply, status, cache);
  return true;
}

// Copies an entry's value straight into the reply (called under the shard lock).
inline void BulkValue(ReplyBuilder& reply, const Entry& e) {
  char* p = reply.BulkSpace(e.value_len());
  if (e.value_len() != 0) std::memcpy(p, e.value().data(), e.value_len());
}

// What "%.Ns" prints of an argument: up to the first NUL, at most `max` bytes.
inline std::string_view CString(std::string_view s, size_t max) {
  const size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  return s.substr(0, max);
}

// Appends `s` upper-cased (ASCII), as Redis's sdstoupper on a command name.
inline void AppendUpper(std::string& out, std::string_view s) {
  for (char c : s) out.push_back((c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c);
}

// "ERR unknown subcommand 'foo'. Try CONFIG HELP." (args[0] the container, args[1] the unknown
// subcommand, empty when there is none).
inline void UnknownSubcommand(ReplyBuilder& reply, std::span<const std::string_view> args) {
  std::string msg = "ERR unknown subcommand '";
  msg.append(args.size() > 1 ? CString(args[1], 128) : std::string_view()).append("'. Try ");
  AppendUpper(msg, args[0]);
  msg.append(" HELP.");
  reply.Error(msg);
}

// Redis addReplySubcommandSyntaxError, for a subcommand that checks its own arguments:
// "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."
inline void SubcommandSyntaxError(ReplyBuilder& reply, std::span<const std::string_view> args) {
  std::string msg = "ERR unknown subcommand or wrong number of arguments for '";
  msg.append(CString(args[1], 128)).append("'. Try ");
  AppendUpper(msg, args[0]);
  msg.append(" HELP.");
  reply.Error(msg);
}

// Redis addReplyHelp: "<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", the
// lines, then "HELP" / "    Prints this help.", all as simple strings. `command` is upper-cased.
inline void Help(ReplyBuilder& reply, std::string_view command,
                 std::span<const std::string_view> lines) {
  reply.ArrayHeader(lines.size() + 3);
  std::string head;
  AppendUpper(head, command);
  head.append(" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  reply.SimpleString(head);
  for (std::string_view line : lines) reply.SimpleString(line);
  reply.SimpleString("HELP");
  reply.SimpleString("    Prints this help.");
}

}  // namespace cairn::replies
