// Lua <-> RESP conversions and the `redis` library for scripts (Redis 7.0 script_lua.c rules):
//
//   RESP -> Lua (a redis.call() reply): integer -> number; bulk -> string; null bulk or null
//   array -> false; array -> table (nested); status -> {ok = s}; error -> {err = s}.
//   Lua -> RESP (a script's result): number -> integer (truncated); string -> bulk; true -> :1;
//   false and nil -> null bulk; {err = s} -> error; {ok = s} -> status; any other table -> array
//   of its elements 1..n up to the first nil (nested tables recursively, at most kMaxDepth).
#pragma once

#include <string>
#include <string_view>

#include "cairn/command/context.h"

struct lua_State;
typedef int (*lua_CFunction)(lua_State* L);

namespace cairn {

// Installs the `redis` global table: call, pcall (given), sha1hex, status_reply, error_reply,
// log, setresp and the LOG_* levels.
void RegisterRedisLib(lua_State* L, lua_CFunction call, lua_CFunction pcall);
// Pushes {args[0], args[1] ...} (KEYS, ARGV).
void PushStringArray(lua_State* L, Args args);
// Pushes {err = msg}.
void PushErrorTable(lua_State* L, const char* msg);
// Pushes the Lua value of one RESP2 reply; false if `resp` is not exactly one reply.
bool PushReplyAsLua(lua_State* L, std::string_view resp);
// Writes the script's result at `idx` as one reply.
void ReplyFromLua(lua_State* L, int idx, ReplyBuilder& reply);
// Writes a raised error (the error handler's table at `idx`) as Redis 7.0 does:
// "<err> script: <sha>, on <source>:<line>.".
void ReplyScriptError(lua_State* L, int idx, std::string_view sha, ReplyBuilder& reply);
// Error texts are one line: CR and LF become spaces.
void SanitizeError(std::string& msg);

}  // namespace cairn
