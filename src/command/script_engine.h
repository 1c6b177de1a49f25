// The Lua scripting engine behind EVAL / EVALSHA / EVAL_RO / EVALSHA_RO / SCRIPT (Redis 7.0's
// eval.c and script_lua.c semantics), on Debian's Lua 5.1 (liblua5.1: the language version
// Redis embeds, so scripts written for Redis behave the same; LuaJIT would be faster but its
// 5.1 dialect differs in corner cases such as number formatting and its allocator cannot be
// bounded).
//
// One lua_State per server. Every command that uses it (EVAL*, SCRIPT LOAD | EXISTS | FLUSH) runs
// with the exclusive gate held (kCmdExclusive, cairn/common/exclusive_gate.h), which both makes a
// script atomic like EXEC (no other command, active expiry or snapshot chunk runs in between
// its redis.call()s, whatever shards the keys are in) and serialises access to the state. Only
// Kill() and the busy flags are touched from other threads (atomics).
//
// Keys a script did not declare in KEYS: allowed, as Redis does on a single node. It is safe here
// because atomicity does not come from locking the declared keys' shards (Dragonfly's model,
// which therefore refuses undeclared keys) but from the global gate.
//
// Sandbox (as Redis): the base, table, string and math libraries only; no os, io, package,
// require, loadfile, dofile, loadstring, load; the globals and the library tables are read only
// (assigning a global: "Attempt to modify a readonly table"; reading an unknown one: "Script
// attempted to access nonexistent global variable"). Scripts may not call commands flagged
// noscript (MULTI, EXEC, WATCH, SUBSCRIBE, SAVE, CONFIG ...), nor write from EVAL*_RO.
//
// Bounds: the Lua heap is capped (kMaxLuaBytes: allocation failures become script errors), the C
// call depth by Lua itself (LUAI_MAXCCALLS), the script cache by count and bytes (scripts that
// came in through EVAL are dropped oldest first; SCRIPT LOAD beyond the bound is refused). Time:
// after busy-reply-threshold ms the gate is marked busy and other clients get -BUSY; SCRIPT KILL
// (from another I/O thread: the script's own thread is busy running it) stops a script that has
// not written yet, as Redis does. A script is not an UNDO step: it records none (its keys'
// earlier steps then conflict, they are never silently undone over it).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "cairn/command/context.h"

struct lua_State;
struct lua_Debug;

namespace cairn {

class ScriptEngine {
 public:
  static constexpr uint64_t kMaxLuaBytes = uint64_t{256} << 20;
  static constexpr size_t kMaxScripts = 10000;
  static constexpr uint64_t kMaxScriptBytes = uint64_t{64} << 20;

  ScriptEngine();
  ~ScriptEngine();
  ScriptEngine(const ScriptEngine&) = delete;
  ScriptEngine& operator=(const ScriptEngine&) = delete;

  // --- with the exclusive gate held ---
  // Compiles and caches `body` under its SHA-1 (hex), which it returns; "" with `error` set (the
  // reply text without '-') when it does not compile or the cache is full.
  std::string Load(std::string_view body, bool from_eval, std::string& error);
  bool Exists(std::string_view sha) const;
  void Flush();
  // Runs the cached script `sha` (Exists) with KEYS and ARGV and writes its one reply.
  void Run(CommandContext& ctx, std::string_view sha, Args keys, Args argv, bool read_only);

  // --- any thread ---
  enum class KillResult : uint8_t { kKilled, kNotBusy, kUnkillable };
  KillResult Kill();
  // Stops the running script even if it has written (shutdown).
  void Abort();
  size_t scripts() const { return count_.load(std::memory_order_relaxed); }
  uint64_t script_bytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t lua_bytes() const { return lua_bytes_.load(std::memory_order_relaxed); }
  // busy-reply-threshold (alias lua-time-limit), ms.
  void set_busy_threshold_ms(int64_t ms) { busy_ms_.store(ms, std::memory_order_relaxed); }

 private:
  // Redis 7.0's script flags (`#!lua flags=...` shebang); kCompat: no shebang (Redis's
  // SCRIPT_FLAG_EVAL_COMPAT_MODE: the rules of Redis 6 scripts).
  enum ScriptFlag : uint8_t {
    kCompat = 1,
    kNoWrites = 2,
    kAllowOom = 4,
    kAllowStale = 8,
    kNoCluster = 16,
    kAllowCrossSlot = 32,
  };
  struct Script {
    uint64_t bytes;
    bool from_eval;
    uint8_t flags;
  };
  // Parses a leading `#!lua [flags=a,b]` line: its length (0 without one) and the flags; false
  // with `error` set (the reply text without '-') when it is invalid.
  static bool ParseShebang(std::string_view body, size_t& len, uint8_t& flags, std::string& error);
  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);
  static void Hook(lua_State* L, lua_Debug* ar);
  static int Call(lua_State* L);
  static int PCall(lua_State* L);
  int CallCommand(lua_State* L, bool raise);
  void Setup();
  void Forget(const std::string& sha);

  lua_State* L_ = nullptr;
  int env_ref_ = 0;        // registry: the scripts' environment (read-only globals)
  int handler_ref_ = 0;    // registry: the error handler (adds the failing line)
  int functions_ref_ = 0;  // registry: sha -> compiled script function
  std::unordered_map<std::string, Script> scripts_;
  std::deque<std::string> eval_order_;  // scripts loaded by EVAL, oldest first (eviction)
  std::atomic<size_t> count_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> lua_bytes_{0};
  std::atomic<int64_t> busy_ms_{5000};
  uint64_t runs_ = 0;

  // The script running now (exclusive gate held by its thread).
  CommandContext* ctx_ = nullptr;
  bool read_only_ = false;
  bool oom_at_start_ = false;  // CacheManager::OutOfMemory() when the script started
  int64_t started_ms_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<bool> wrote_{false};
  // Under write-back: the distinct keys the script's writes touched (as many as the keys it
  // wrote, whatever its loop count), persisted together when it ends
  // (CacheManager::PersistTogether). Empty otherwise.
  bool collect_keys_ = false;
  std::unordered_set<std::string> written_keys_;
  std::atomic<bool> kill_{false};
  bool busy_marked_ = false;
};

}  // namespace cairn
