// Lua <-> RESP conversions and the `redis` library (see script_convert.h). Functions called from
// Lua that can raise (luaL_error) hold no C++ objects with destructors.
#include "script_convert.h"

#include <lua.hpp>

#include <charconv>
#include <cstring>

#include <spdlog/spdlog.h>

#include "digest.h"

namespace cairn {
namespace {

constexpr int kMaxDepth = 100;  // nested tables in a script's result / arrays in a reply

// --- the redis library ---

int Sha1HexFn(lua_State* L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  char hex[41];
  {
    const std::string h = Sha1Hex(std::string_view(s == nullptr ? "" : s, s == nullptr ? 0 : len));
    std::memcpy(hex, h.data(), 40);
  }
  lua_pushlstring(L, hex, 40);
  return 1;
}

int ReturnSingleFieldTable(lua_State* L, const char* field) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    return luaL_error(L, "wrong number or type of arguments");
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  if (field[0] == 'e' && len > 0 && s[0] == '-') {  // error_reply("-ERR x") == error_reply("ERR x")
    ++s;
    --len;
  }
  lua_newtable(L);
  lua_pushlstring(L, s, len);
  lua_setfield(L, -2, field);
  return 1;
}

int StatusReplyFn(lua_State* L) { return ReturnSingleFieldTable(L, "ok"); }
int ErrorReplyFn(lua_State* L) { return ReturnSingleFieldTable(L, "err"); }

int LogFn(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return luaL_error(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return luaL_error(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tointeger(L, 1));
  if (level < 0 || level > 3) return luaL_error(L, "Invalid debug level.");
  // Concatenated with spaces, as Redis does; the message is built in Lua (no C++ object here).
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "concat");
  lua_newtable(L);
  for (int i = 2; i <= argc; ++i) {
    lua_pushvalue(L, i);
    lua_rawseti(L, -2, i - 1);
  }
  lua_pushstring(L, " ");
  lua_call(L, 2, 1);
  size_t len = 0;
  const char* msg = lua_tolstring(L, -1, &len);
  const std::string_view text(msg == nullptr ? "" : msg, msg == nullptr ? 0 : len);
  switch (level) {
    case 0:
      spdlog::debug("script: {}", text);
      break;
    case 1:
    case 2:
      spdlog::info("script: {}", text);
      break;
    default:
      spdlog::warn("script: {}", text);
  }
  return 0;
}

int SetRespFn(lua_State* L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "redis.setresp() requires one argument.");
  const lua_Integer v = lua_tointeger(L, 1);
  if (v != 2 && v != 3) return luaL_error(L, "RESP version must be 2 or 3.");
  return 0;  // replies to scripts are RESP2 (Cairn speaks RESP2)
}

// --- RESP -> Lua ---

// Parses one reply at `pos` and pushes it; false on malformed input.
bool PushOne(lua_State* L, std::string_view s, size_t& pos, int depth) {
  if (pos >= s.size() || depth > kMaxDepth || !lua_checkstack(L, 4)) return false;
  const size_t eol = s.find("\r\n", pos);
  if (eol == std::string_view::npos) return false;
  const char type = s[pos];
  const std::string_view line = s.substr(pos + 1, eol - pos - 1);
  pos = eol + 2;
  int64_t n = 0;
  if (type == ':' || type == '$' || type == '*') {
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
    if (ec != std::errc() || p != line.data() + line.size()) return false;
  }
  switch (type) {
    case '+':
    case '-':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      lua_setfield(L, -2, type == '+' ? "ok" : "err");
      return true;
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(n));
      return true;
    case '$':
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      if (pos + static_cast<size_t>(n) + 2 > s.size()) return false;
      lua_pushlstring(L, s.data() + pos, static_cast<size_t>(n));
      pos += static_cast<size_t>(n) + 2;
      return true;
    case '*':
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      lua_createtable(L, static_cast<int>(n), 0);
      for (int64_t i = 1; i <= n; ++i) {
        if (!PushOne(L, s, pos, depth + 1)) return false;
        lua_rawseti(L, -2, static_cast<int>(i));
      }
      return true;
    default:
      return false;
  }
}

// --- Lua -> RESP ---

// The string field `name` of the table at `idx`, if it is a string.
bool StringField(lua_State* L, int idx, const char* name, std::string_view& out) {
  lua_pushstring(L, name);
  lua_rawget(L, idx);
  const bool ok = lua_type(L, -1) == LUA_TSTRING;
  if (ok) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    out = {s, len};  // the table still references the string: it stays alive while we reply
  }
  lua_pop(L, 1);
  return ok;
}

void Reply(lua_State* L, int idx, ReplyBuilder& reply, int depth) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, idx, &len);
      reply.Bulk({s, len});
      return;
    }
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, idx)) {
        reply.Integer(1);
      } else {
        reply.Null();
      }
      return;
    case LUA_TNUMBER:
      reply.Integer(static_cast<int64_t>(lua_tonumber(L, idx)));
      return;
    case LUA_TTABLE: {
      std::string_view field;
      if (StringField(L, idx, "err", field)) {
        std::string msg(field);
        SanitizeError(msg);
        reply.Error(msg);
        return;
      }
      if (StringField(L, idx, "ok", field)) {
        std::string msg(field);
        SanitizeError(msg);
        reply.SimpleString(msg);
        return;
      }
      if (depth >= kMaxDepth || !lua_checkstack(L, 2)) {
        reply.Error("ERR reached lua stack limit");
        return;
      }
      size_t n = 0;
      for (;; ++n) {
        lua_rawgeti(L, idx, static_cast<int>(n + 1));
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
      }
      reply.ArrayHeader(n);
      for (size_t i = 1; i <= n; ++i) {
        lua_rawgeti(L, idx, static_cast<int>(i));
        Reply(L, -1, reply, depth + 1);
        lua_pop(L, 1);
      }
      return;
    }
    default:
      reply.Null();
  }
}

}  // namespace

void RegisterRedisLib(lua_State* L, lua_CFunction call, lua_CFunction pcall) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"call", call},
                          {"pcall", pcall},
                          {"sha1hex", Sha1HexFn},
                          {"status_reply", StatusReplyFn},
                          {"error_reply", ErrorReplyFn},
                          {"log", LogFn},
                          {"setresp", SetRespFn}};
  for (const luaL_Reg& f : fns) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, -2, f.name);
  }
  const struct {
    const char* name;
    int level;
  } levels[] = {{"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2}, {"LOG_WARNING", 3}};
  for (const auto& l : levels) {
    lua_pushinteger(L, l.level);
    lua_setfield(L, -2, l.name);
  }
  lua_setfield(L, LUA_GLOBALSINDEX, "redis");
}

void PushStringArray(lua_State* L, Args args) {
  lua_createtable(L, static_cast<int>(args.size()), 0);
  for (size_t i = 0; i < args.size(); ++i) {
    lua_pushlstring(L, args[i].data(), args[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

void PushErrorTable(lua_State* L, const char* msg) {
  lua_newtable(L);
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "err");
}

bool PushReplyAsLua(lua_State* L, std::string_view resp) {
  const int top = lua_gettop(L);
  size_t pos = 0;
  if (PushOne(L, resp, pos, 0) && pos == resp.size()) return true;
  lua_settop(L, top);
  return false;
}

void ReplyFromLua(lua_State* L, int idx, ReplyBuilder& reply) { Reply(L, idx, reply, 0); }

void ReplyScriptError(lua_State* L, int idx, std::string_view sha, ReplyBuilder& reply) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  std::string msg;
  std::string_view err;
  if (lua_istable(L, idx) && StringField(L, idx, "err", err)) {
    msg.assign(err);
    std::string_view source;
    lua_getfield(L, idx, "line");
    const bool has_line = lua_isnumber(L, -1) != 0;
    const auto line = static_cast<int64_t>(lua_tonumber(L, -1));
    lua_pop(L, 1);
    if (StringField(L, idx, "source", source) && has_line) {
      msg.append(" script: ").append(sha).append(", on ").append(source).append(":");
      msg.append(std::to_string(line)).append(".");
    }
  } else {
    size_t len = 0;
    const char* s = lua_tolstring(L, idx, &len);
    msg.assign("ERR Error running script: ").append(s == nullptr ? "unknown error" : s, len);
  }
  SanitizeError(msg);
  reply.Error(msg);
}

void SanitizeError(std::string& msg) {
  for (char& c : msg) {
    if (c == '\r' || c == '\n') c = ' ';
  }
}

}  // namespace cairn
