// ScriptEngine: the Lua state, the script cache, running a script, redis.call(). The type
// conversions are in script_convert.cc.
//
// lua_error() longjmps over C++ frames, so no function that can raise a Lua error holds a C++
// object with a destructor: the C entry points (Call, PCall, Hook) only hold plain values, and the
// work with strings happens in helpers that have returned before the error is raised.
#include "script_engine.h"

#include <lua.hpp>
// Debian's lua-cjson-dev and lua-bitop-dev: C libraries whose headers lack extern "C".
extern "C" {
#include <lua-bitop.h>
#include <lua-cjson.h>
}

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <vector>

#include <spdlog/spdlog.h>

#include "acl_gate.h"
#include "cairn/cache/cache_manager.h"
#include "cairn/command/command_table.h"
#include "cairn/command/dispatcher.h"
#include "digest.h"
#include "replies.h"
#include "script_convert.h"

namespace cairn {

void ScriptEngineDeleter::operator()(ScriptEngine* engine) const { delete engine; }
ServerContext::ServerContext() : scripting_(new ScriptEngine()) {}
ServerContext::~ServerContext() = default;
void ServerContext::SetBusyReplyThreshold(int64_t ms) { scripting_->set_busy_threshold_ms(ms); }
void ServerContext::AbortScript() { scripting_->Abort(); }

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr int kHookEvery = 100000;  // VM instructions between time / kill checks (~1 ms)

// The sandbox, run once on a fresh state (Redis's globals protection and error handler, made
// with proxies since stock Lua 5.1 has no read-only tables). Returns the error handler and the
// environment that every script function gets.
constexpr char kSetup[] = R"lua(
local dbg, G = debug, _G
local error, tostring, type, rawget, setmetatable = error, tostring, type, rawget, setmetatable
local function handler(err)
  -- The script's frame that raised: skip C functions (error, redis.call) and this sandbox.
  local level, i = 2, dbg.getinfo(2, 'nSl')
  while i and (i.what == 'C' or i.source == '=setup') and level < 12 do
    level = level + 1
    i = dbg.getinfo(level, 'nSl')
  end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
local function readonly_error() error('Attempt to modify a readonly table', 2) end
local function readonly(t)
  return setmetatable({}, {__index = t, __newindex = readonly_error, __metatable = false})
end
local libs, proxies = {}, {}
for _, name in ipairs({'string', 'table', 'math', 'redis', 'cjson', 'bit'}) do
  libs[name] = readonly(G[name])
  proxies[libs[name]] = true
end
local env
-- rawset on the scripts' own tables only: the globals and libraries stay read only.
local raw_rawset = rawset
libs.rawset = function(t, k, v)
  if t == env or proxies[t] then readonly_error() end
  return raw_rawset(t, k, v)
end
local nil_globals = {loadstring = true}  -- removed, but read as nil as in Redis
libs._G = true  -- replaced by env below: _G is the scripts' read-only view, not the real one
env = setmetatable({}, {
  __index = function(_, n)
    local v = rawget(libs, n)
    if v ~= nil or nil_globals[n] then return v end
    v = rawget(G, n)
    if v == nil then
      error("Script attempted to access nonexistent global variable '" .. tostring(n) .. "'", 2)
    end
    return v
  end,
  __newindex = readonly_error,
  __metatable = false,
})
libs._G = env
return handler, env
)lua";

constexpr const char* kRemovedGlobals[] = {"debug",  "loadfile", "dofile",   "loadstring",
                                           "load",   "getfenv",  "setfenv",  "rawset",
                                           "module", "require",  "newproxy", "gcinfo"};

}  // namespace

ScriptEngine::ScriptEngine() { Setup(); }

ScriptEngine::~ScriptEngine() {
  if (L_ != nullptr) lua_close(L_);
}

void* ScriptEngine::Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* self = static_cast<ScriptEngine*>(ud);
  if (nsize == 0) {
    std::free(ptr);
    self->lua_bytes_.fetch_sub(osize, std::memory_order_relaxed);
    return nullptr;
  }
  if (nsize > osize &&
      self->lua_bytes_.load(std::memory_order_relaxed) + (nsize - osize) > kMaxLuaBytes) {
    return nullptr;  // Lua raises "not enough memory"
  }
  void* fresh = std::realloc(ptr, nsize);
  if (fresh == nullptr) return nullptr;
  self->lua_bytes_.fetch_add(nsize, std::memory_order_relaxed);
  self->lua_bytes_.fetch_sub(ptr == nullptr ? 0 : osize, std::memory_order_relaxed);
  return fresh;
}

void ScriptEngine::Setup() {
  L_ = lua_newstate(&ScriptEngine::Alloc, this);
  if (L_ == nullptr) std::abort();
  const struct {
    const char* name;
    lua_CFunction open;
  } libs[] = {{"", luaopen_base},
              {LUA_TABLIBNAME, luaopen_table},
              {LUA_STRLIBNAME, luaopen_string},
              {LUA_MATHLIBNAME, luaopen_math},
              {LUA_DBLIBNAME, luaopen_debug}};
  for (const auto& lib : libs) {
    lua_pushcfunction(L_, lib.open);
    lua_pushstring(L_, lib.name);
    lua_call(L_, 1, 0);
  }
  // The libraries Redis bundles: global `cjson` and `bit` tables, loaded without the package
  // library (luaL_register only touches the registry's _LOADED table), so no `require`.
  lua_pushcfunction(L_, luaopen_cjson);
  lua_call(L_, 0, 1);
  lua_setfield(L_, LUA_GLOBALSINDEX, "cjson");
  lua_pushcfunction(L_, luaopen_bit);
  lua_pushstring(L_, "bit");
  lua_call(L_, 1, 0);
  RegisterRedisLib(L_, &ScriptEngine::Call, &ScriptEngine::PCall);
  if (luaL_loadbuffer(L_, kSetup, sizeof(kSetup) - 1, "=setup") != 0 ||
      lua_pcall(L_, 0, 2, 0) != 0) {
    spdlog::critical("Lua setup failed: {}", lua_tostring(L_, -1));
    std::abort();
  }
  env_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);  // pops env
  handler_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  lua_newtable(L_);
  functions_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  for (const char* name : kRemovedGlobals) {
    lua_pushnil(L_);
    lua_setfield(L_, LUA_GLOBALSINDEX, name);
  }
}

bool ScriptEngine::ParseShebang(std::string_view body, size_t& len, uint8_t& flags,
                                std::string& error) {
  len = 0;
  flags = kCompat;
  if (!body.starts_with("#!")) return true;
  const size_t end = body.find('\n');
  if (end == std::string_view::npos) {
    error = "ERR Invalid script shebang";
    return false;
  }
  len = end;  // the newline stays: the script's lines keep their numbers
  flags = 0;
  const std::string_view line = body.substr(0, end);
  size_t pos = 0;
  bool first = true;
  while (true) {  // words separated by blanks (Redis: sdssplitargs; quotes are not special here)
    pos = line.find_first_not_of(" \t\r\v\f", pos);
    if (pos == std::string_view::npos) break;
    const size_t stop = std::min(line.find_first_of(" \t\r\v\f", pos), line.size());
    const std::string_view word = line.substr(pos, stop - pos);
    pos = stop;
    if (first) {
      first = false;
      if (word != "#!lua") {
        error = "ERR Unexpected engine in script shebang: ";
        error.append(word);
        return false;
      }
      continue;
    }
    if (!word.starts_with("flags=")) {
      error = "ERR Unknown lua shebang option: ";
      error.append(word);
      return false;
    }
    std::string_view list = word.substr(6);
    while (!list.empty()) {
      const size_t comma = std::min(list.find(','), list.size());
      const std::string_view name = list.substr(0, comma);
      list = comma < list.size() ? list.substr(comma + 1) : std::string_view();
      static constexpr struct {
        std::string_view name;
        uint8_t flag;
      } kFlags[] = {{"no-writes", kNoWrites},
                    {"allow-oom", kAllowOom},
                    {"allow-stale", kAllowStale},
                    {"no-cluster", kNoCluster},
                    {"allow-cross-slot-keys", kAllowCrossSlot}};
      uint8_t flag = 0;
      for (const auto& f : kFlags) {
        if (f.name == name) flag = f.flag;
      }
      if (flag == 0) {
        error = "ERR Unexpected flag in script shebang: ";
        error.append(name);
        return false;
      }
      flags |= flag;
    }
  }
  return true;
}

std::string ScriptEngine::Load(std::string_view body, bool from_eval, std::string& error) {
  std::string sha = Sha1Hex(body);
  if (scripts_.contains(sha)) return sha;
  size_t shebang_len = 0;
  uint8_t flags = kCompat;
  if (!ParseShebang(body, shebang_len, flags, error)) return {};
  while ((scripts_.size() >= kMaxScripts ||
          bytes_.load(std::memory_order_relaxed) + body.size() > kMaxScriptBytes) &&
         !eval_order_.empty()) {
    const std::string oldest = eval_order_.front();
    eval_order_.pop_front();
    Forget(oldest);
  }
  if (scripts_.size() >= kMaxScripts ||
      bytes_.load(std::memory_order_relaxed) + body.size() > kMaxScriptBytes) {
    error = "ERR script cache is full (SCRIPT FLUSH empties it)";
    return {};
  }
  if (luaL_loadbuffer(L_, body.data() + shebang_len, body.size() - shebang_len, "@user_script") !=
      0) {
    error = "ERR Error compiling script (new function): ";
    size_t len = 0;
    const char* msg = lua_tolstring(L_, -1, &len);
    if (msg != nullptr) error.append(msg, len);
    lua_pop(L_, 1);
    SanitizeError(error);
    return {};
  }
  lua_rawgeti(L_, LUA_REGISTRYINDEX, env_ref_);
  lua_setfenv(L_, -2);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, functions_ref_);
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_pushvalue(L_, -3);
  lua_rawset(L_, -3);
  lua_pop(L_, 2);
  scripts_.emplace(sha, Script{body.size(), from_eval, flags});
  if (from_eval) eval_order_.push_back(sha);
  count_.store(scripts_.size(), std::memory_order_relaxed);
  bytes_.fetch_add(body.size(), std::memory_order_relaxed);
  return sha;
}

void ScriptEngine::Forget(const std::string& sha) {
  auto it = scripts_.find(sha);
  if (it == scripts_.end()) return;
  bytes_.fetch_sub(it->second.bytes, std::memory_order_relaxed);
  scripts_.erase(it);
  count_.store(scripts_.size(), std::memory_order_relaxed);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, functions_ref_);
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_pushnil(L_);
  lua_rawset(L_, -3);
  lua_pop(L_, 1);
}

bool ScriptEngine::Exists(std::string_view sha) const {
  if (sha.size() != 40) return false;
  std::string lower(sha);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return scripts_.contains(lower);
}

void ScriptEngine::Flush() {
  scripts_.clear();
  eval_order_.clear();
  count_.store(0, std::memory_order_relaxed);
  bytes_.store(0, std::memory_order_relaxed);
  lua_close(L_);
  lua_bytes_.store(0, std::memory_order_relaxed);
  Setup();
}

void ScriptEngine::Run(CommandContext& ctx, std::string_view sha_in, Args keys, Args argv,
                       bool read_only) {
  std::string sha(sha_in);
  for (char& c : sha) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  const int base = lua_gettop(L_);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, handler_ref_);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, functions_ref_);
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_rawget(L_, -2);
  lua_remove(L_, -2);
  if (!lua_isfunction(L_, -1)) {
    lua_settop(L_, base);
    ctx.reply.Error("NOSCRIPT No matching script. Please use EVAL.");
    return;
  }
  // Redis 7.0's scriptPrepareForRun for scripts with a shebang (the flags decide, not the
  // command: EVAL of a no-writes script is read only, EVAL_RO of one without it is refused).
  const auto found = scripts_.find(sha);
  const uint8_t flags = found == scripts_.end() ? uint8_t{kCompat} : found->second.flags;
  bool allow_oom = false;
  if ((flags & kCompat) == 0) {
    const char* refusal = nullptr;
    if ((flags & kNoCluster) != 0 && ctx.cluster != nullptr) {
      refusal = "ERR Can not run script on cluster, 'no-cluster' flag is set.";
    } else if ((flags & (kAllowOom | kNoWrites)) == 0 && ctx.cache.OutOfMemory()) {
      refusal = replies::kOom.data();
    } else if ((flags & kNoWrites) == 0 && read_only) {
      refusal = "ERR Can not execute a script with write flag using *_ro command.";
    }
    if (refusal != nullptr) {
      lua_settop(L_, base);
      ctx.reply.Error(refusal);
      return;
    }
    read_only = (flags & kNoWrites) != 0;
    allow_oom = (flags & kAllowOom) != 0;
  }
  PushStringArray(L_, keys);
  lua_setfield(L_, LUA_GLOBALSINDEX, "KEYS");
  PushStringArray(L_, argv);
  lua_setfield(L_, LUA_GLOBALSINDEX, "ARGV");

  ctx_ = &ctx;
  read_only_ = read_only;
  started_ms_ = SteadyMs();
  busy_marked_ = false;
  kill_.store(false, std::memory_order_relaxed);
  wrote_.store(false, std::memory_order_relaxed);
  collect_keys_ = ctx.cache.write_mode() == WriteMode::kWriteBack;
  written_keys_.clear();
  oom_at_start_ = !allow_oom && ctx.cache.OutOfMemory();
  running_.store(true, std::memory_order_release);
  const bool was_in_exec = ctx.client.in_exec;
  ctx.client.in_exec = true;  // redis.call runs commands as EXEC runs queued ones
  lua_sethook(L_, &ScriptEngine::Hook, LUA_MASKCOUNT, kHookEvery);
  const int rc = lua_pcall(L_, 0, 1, base + 1);
  lua_sethook(L_, nullptr, 0, 0);
  ctx.client.in_exec = was_in_exec;
  running_.store(false, std::memory_order_release);
  ctx_ = nullptr;
  if (!written_keys_.empty()) {
    // Still inside the exclusive gate: the script's writes reach the tier as one batch.
    const std::vector<std::string_view> keys(written_keys_.begin(), written_keys_.end());
    ctx.cache.PersistTogether(keys);
    written_keys_.clear();
  }

  if (rc == 0) {
    ReplyFromLua(L_, -1, ctx.reply);
  } else if (rc == LUA_ERRMEM) {
    ctx.reply.Error("ERR Error running script: not enough memory (Lua heap bound reached)");
  } else {
    ReplyScriptError(L_, -1, sha, ctx.reply);
  }
  lua_settop(L_, base);
  if (++runs_ % 50 == 0) lua_gc(L_, LUA_GCCOLLECT, 0);  // as Redis: a full cycle every 50 runs
}

void ScriptEngine::Hook(lua_State* L, lua_Debug*) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  auto* self = static_cast<ScriptEngine*>(ud);
  if (self->kill_.load(std::memory_order_relaxed)) {
    PushErrorTable(L, "ERR Script killed by user with SCRIPT KILL...");
    lua_error(L);
  }
  if (!self->busy_marked_ &&
      SteadyMs() - self->started_ms_ >= self->busy_ms_.load(std::memory_order_relaxed)) {
    self->busy_marked_ = true;
    self->ctx_->cache.gate().SetBusy();  // other clients now get -BUSY instead of waiting
    spdlog::warn(
        "Slow script detected: still in execution after {} milliseconds. You can try killing "
        "the script using the SCRIPT KILL command.",
        SteadyMs() - self->started_ms_);
  }
}

void ScriptEngine::Abort() {
  if (running_.load(std::memory_order_acquire)) kill_.store(true, std::memory_order_relaxed);
}

ScriptEngine::KillResult ScriptEngine::Kill() {
  if (!running_.load(std::memory_order_acquire)) return KillResult::kNotBusy;
  if (wrote_.load(std::memory_order_relaxed)) return KillResult::kUnkillable;
  kill_.store(true, std::memory_order_relaxed);
  return KillResult::kKilled;
}

int ScriptEngine::Call(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  const int n = static_cast<ScriptEngine*>(ud)->CallCommand(L, true);
  if (n < 0) return lua_error(L);  // the error table is on the stack; no C++ frame below
  return n;
}

int ScriptEngine::PCall(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<ScriptEngine*>(ud)->CallCommand(L, false);
}

// Runs redis.call / redis.pcall's command. Returns the number of results pushed, or -1 with an
// error table pushed for the caller to raise.
int ScriptEngine::CallCommand(lua_State* L, bool raise) {
  const char* refusal = nullptr;
  {
    thread_local std::vector<std::string> storage;
    thread_local std::vector<std::string_view> args;
    const int argc = lua_gettop(L);
    storage.resize(static_cast<size_t>(argc));
    args.clear();
    for (int i = 1; i <= argc && refusal == nullptr; ++i) {
      std::string& a = storage[static_cast<size_t>(i - 1)];
      if (lua_type(L, i) == LUA_TNUMBER) {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), lua_tonumber(L, i));
        a.assign(buf, ec == std::errc() ? end : buf);
      } else if (lua_type(L, i) == LUA_TSTRING) {
        size_t len = 0;
        const char* s = lua_tolstring(L, i, &len);
        a.assign(s, len);
      } else {
        refusal = "ERR Lua redis lib command arguments must be strings or integers";
        break;
      }
      args.emplace_back(a);
    }
    const CommandTable& table = *ctx_->table;
    const CommandSpec* spec = nullptr;
    if (refusal == nullptr && argc == 0) {
      refusal = "ERR Please specify at least one argument for this redis lib call";
    } else if (refusal == nullptr) {
      spec = table.Resolve(args);
      const auto n = static_cast<int64_t>(args.size());
      if (spec == nullptr) {
        refusal = "ERR Unknown Redis command called from script";
      } else if ((spec->arity > 0 && n != spec->arity) || n < -static_cast<int64_t>(spec->arity)) {
        refusal = "ERR Wrong number of args calling Redis command from script";
      } else if ((spec->flags & (kCmdNoScript | kCmdExclusive | kCmdAllowBusy)) != 0) {
        refusal = "ERR This Redis command is not allowed from script";
      } else if (const char* denied = AclScriptRefusal(*ctx_, *spec, args)) {
        refusal = denied;  // redis.call runs with the caller's ACL permissions
      } else if (read_only_ && (spec->flags & kCmdWrite) != 0) {
        refusal = "ERR Write commands are not allowed from read-only scripts.";
      } else if (oom_at_start_ && (spec->flags & kCmdDenyOom) != 0 &&
                 !wrote_.load(std::memory_order_relaxed)) {
        // Redis's scriptVerifyOOM: out of memory when the script started, and it has not
        // written yet (once it has, stopping it halfway would break its atomicity).
        refusal = replies::kOom.data();
      }
    }
    if (refusal == nullptr) {
      if ((spec->flags & kCmdWrite) != 0) {
        wrote_.store(true, std::memory_order_relaxed);
        if (collect_keys_) {
          for (std::string_view key : CommandKeys(*spec, args)) written_keys_.emplace(key);
        }
      }
      thread_local std::string out;
      out.clear();
      ReplyBuilder reply(out);
      CommandContext sub{ctx_->cache, ctx_->server, ctx_->client, reply, ctx_->table};
      sub.from_script = true;  // MONITOR shows it from "lua"
      try {
        Dispatcher(table).RunQueued(sub, args);
      } catch (const std::exception& e) {
        out = std::string("-ERR ") + e.what() + "\r\n";
      }
      if (!PushReplyAsLua(L, out)) {
        PushErrorTable(L, "ERR unexpected reply from the command");
        return raise ? -1 : 1;
      }
      if (raise && !out.empty() && out[0] == '-') return -1;  // the error table is pushed
      return 1;
    }
  }
  PushErrorTable(L, refusal);
  return raise ? -1 : 1;
}

}  // namespace cairn
