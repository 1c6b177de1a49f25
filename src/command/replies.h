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

// A write the cache refused: no room, the write-through tier failed (nothing was written), or
// the write-back backlog is over its hard limit (write-back-overflow reject).
inline void WriteRefused(ReplyBuilder& reply, OpStatus status) {
  std::string msg;
  switch (status) {
    case OpStatus::kOutOfMemory:
      reply.Error(kOom);
      return;
    case OpStatus::kIoError:
      msg = "ERR write-through to the persistent store failed: ";
      msg.append(CacheManager::last_io_error());
      break;
    case OpStatus::kBackpressure:
      msg = "ERR write-back backlog is full (write-back-overflow reject), try again later";
      break;
    default:
      msg = "ERR ";
      msg.append(ToString(status));
      break;
  }
  reply.Error(msg);
}

// Copies an entry's value straight into the reply (called under the shard lock).
inline void BulkValue(ReplyBuilder& reply, const Entry& e) {
  char* p = reply.BulkSpace(e.value_len());
  if (e.value_len() != 0) std::memcpy(p, e.value().data(), e.value_len());
}

// Redis addReplyHelp: "<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", the
// lines, then "HELP" / "    Prints this help.", all as simple strings. `command` is upper-cased.
inline void Help(ReplyBuilder& reply, std::string_view command,
                 std::span<const std::string_view> lines) {
  reply.ArrayHeader(lines.size() + 3);
  std::string head(command);
  for (char& c : head) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  head.append(" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  reply.SimpleString(head);
  for (std::string_view line : lines) reply.SimpleString(line);
  reply.SimpleString("HELP");
  reply.SimpleString("    Prints this help.");
}

}  // namespace cairn::replies
