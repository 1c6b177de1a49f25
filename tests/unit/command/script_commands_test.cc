// EVAL / EVALSHA / EVAL_RO / SCRIPT through the real dispatcher (exact RESP bytes; the error
// texts are checked against redis-server 7.0 in tests/integration/test_scripting.py).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "../../../src/command/script_engine.h"
#include "command_fixture.h"

namespace cairn::test {
namespace {

class ScriptTest : public CommandTest {
 protected:
  std::string Eval(std::string_view body, std::vector<std::string_view> rest = {"0"}) {
    std::vector<std::string_view> args = {"EVAL", body};
    args.insert(args.end(), rest.begin(), rest.end());
    return Run(args);
  }
};

TEST_F(ScriptTest, ConversionsBothWays) {
  EXPECT_EQ(Eval("return 1"), Int(1));
  EXPECT_EQ(Eval("return 3.99"), Int(3));
  EXPECT_EQ(Eval("return -3.99"), Int(-3));
  EXPECT_EQ(Eval("return 'x'"), Bulk("x"));
  EXPECT_EQ(Eval("return true"), Int(1));
  EXPECT_EQ(Eval("return false"), kNil);
  EXPECT_EQ(Eval("return nil"), kNil);
  EXPECT_EQ(Eval("return {1,2,3.7,'a',true,false,nil,4}"),
            "*6\r\n:1\r\n:2\r\n:3\r\n$1\r\na\r\n:1\r\n$-1\r\n");
  EXPECT_EQ(Eval("return {1,{2,{3,'x'}},'y'}"),
            "*3\r\n:1\r\n*2\r\n:2\r\n*2\r\n:3\r\n" + Bulk("x") + Bulk("y"));
  EXPECT_EQ(Eval("return redis.status_reply('FINE')"), "+FINE\r\n");
  EXPECT_EQ(Eval("return {ok='fine'}"), "+fine\r\n");
  EXPECT_EQ(Eval("return redis.error_reply('MY err')"), Err("MY err"));
  EXPECT_EQ(Eval("return {err='x\\r\\ny'}"), Err("x  y"));
  // Replies of redis.call as Lua values.
  EXPECT_EQ(Run({"SET", "s", "abc"}), kOk);
  EXPECT_EQ(Eval("return redis.call('get','nokey') == false and 1 or 0"), Int(1));
  EXPECT_EQ(Eval("return redis.call('set','a','1')['ok']"), Bulk("OK"));
  EXPECT_EQ(Eval("return type(redis.call('incr','a'))"), Bulk("number"));
  EXPECT_EQ(Eval("return redis.call('mget','s','nokey')"), "*2\r\n" + Bulk("abc") + "$-1\r\n");
  EXPECT_EQ(Eval("return redis.pcall('incr','s')['err']"),
            Bulk("ERR value is not an integer or out of range"));
  EXPECT_EQ(Eval("return redis.call('exists', 'a', 1.5)"), Int(1));  // numbers: shortest form
}

TEST_F(ScriptTest, KeysArgvAndNumkeys) {
  EXPECT_EQ(Eval("return {KEYS[1],ARGV[1],#KEYS,#ARGV}", {"1", "k", "v"}),
            "*4\r\n" + Bulk("k") + Bulk("v") + Int(1) + Int(1));
  EXPECT_EQ(Eval("return 1", {"-1"}), Err("ERR Number of keys can't be negative"));
  EXPECT_EQ(Eval("return 1", {"x"}), kNotInt);
  EXPECT_EQ(Eval("return 1", {"5", "a"}),
            Err("ERR Number of keys can't be greater than number of args"));
  EXPECT_EQ(Run({"EVAL", "return 1"}), Arity("eval"));
}

TEST_F(ScriptTest, ScriptCacheAndNoscript) {
  const std::string sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
  EXPECT_EQ(Run({"EVALSHA", sha, "0"}), Err("NOSCRIPT No matching script. Please use EVAL."));
  EXPECT_EQ(Run({"SCRIPT", "LOAD", "return 1"}), Bulk(sha));
  EXPECT_EQ(Run({"SCRIPT", "EXISTS", sha, "aa"}), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(Run({"EVALSHA", sha, "0"}), Int(1));
  EXPECT_EQ(Run({"EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"}), Int(1));
  EXPECT_EQ(Run({"SCRIPT", "FLUSH"}), kOk);
  EXPECT_EQ(Run({"SCRIPT", "EXISTS", sha}), "*1\r\n:0\r\n");
  EXPECT_EQ(Run({"EVALSHA", sha, "0"}), Err("NOSCRIPT No matching script. Please use EVAL."));
  EXPECT_EQ(Run({"EVAL", "return 1", "0"}), Int(1));  // EVAL caches it too
  EXPECT_EQ(Run({"EVALSHA", sha, "0"}), Int(1));
  EXPECT_EQ(Run({"SCRIPT", "FLUSH", "BAD"}),
            Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
  EXPECT_EQ(Run({"SCRIPT", "KILL"}), Err("NOTBUSY No scripts in execution right now."));
  EXPECT_EQ(Run({"EVAL", "syntax error here", "0"}),
            Err("ERR Error compiling script (new function): user_script:1: '=' expected near "
                "'error'"));
  EXPECT_EQ(Run({"EVAL", "return redis.sha1hex('abc')", "0"}),
            Bulk("a9993e364706816aba3e25717850c26c9cd0d89d"));
}

TEST_F(ScriptTest, ErrorsCarryTheScriptAndLine) {
  const std::string body = "local a = 1\nreturn redis.call('nosuch')";
  const std::string out = Eval(body);
  EXPECT_EQ(out.rfind("-ERR Unknown Redis command called from script script: ", 0), 0u) << out;
  EXPECT_NE(out.find(", on @user_script:2.\r\n"), std::string::npos) << out;
  EXPECT_EQ(Eval("return error('boom')").rfind("-ERR user_script:1: boom script: ", 0), 0u);
  EXPECT_EQ(Eval("return redis.pcall('nosuch')"),
            Err("ERR Unknown Redis command called from script"));
}

TEST_F(ScriptTest, SandboxAndForbiddenCommands) {
  for (const char* name : {"os", "io", "require", "dofile", "loadfile", "setfenv", "debug"}) {
    const std::string out = Eval(std::string("return ") + name);
    EXPECT_NE(out.find("Script attempted to access nonexistent global variable '" +
                       std::string(name) + "'"),
              std::string::npos)
        << out;
  }
  EXPECT_EQ(Eval("return loadstring"), kNil);
  for (const char* body :
       {"x = 1", "string.upper = nil", "redis.call = nil", "rawset(_G, 'a', 1)"}) {
    const std::string out = Eval(body);
    EXPECT_NE(out.find("Attempt to modify a readonly table"), std::string::npos) << body << out;
  }
  EXPECT_EQ(Eval("local t = {} rawset(t, 'a', 1) return t.a"), Int(1));
  for (const char* call : {"'multi'", "'exec'", "'watch', 'x'", "'subscribe', 'x'", "'save'",
                           "'eval', 'return 1', '0'"}) {
    const std::string out = Eval(std::string("return redis.call(") + call + ")");
    EXPECT_NE(out.find("This Redis command is not allowed from script"), std::string::npos)
        << call << out;
  }
  EXPECT_NE(Run({"EVAL_RO", "return redis.call('set','a','1')", "0"})
                .find("ERR Write commands are not allowed from read-only scripts."),
            std::string::npos);
  EXPECT_EQ(Run({"EVAL_RO", "return redis.call('get','a')", "0"}), kNil);
  // Deep recursion and a runaway heap end as script errors, not crashes.
  EXPECT_EQ(Eval("local function f() return f() + 1 end return f()").rfind("-ERR ", 0), 0u);
  EXPECT_EQ(Eval("local s = 'x' while true do s = s .. s end")
                .rfind("-ERR Error running script: not enough memory", 0),
            0u);
  EXPECT_EQ(Eval("return 1"), Int(1));  // the engine still works afterwards
}

TEST_F(ScriptTest, CjsonAndBitLibraries) {
  EXPECT_EQ(Eval("return cjson.encode({a=1})"), Bulk("{\"a\":1}"));
  EXPECT_EQ(Eval("return cjson.decode('[1,2,3]')[2]"), Int(2));
  EXPECT_EQ(Eval("return cjson.encode(cjson.decode('{\"a\":[1,2.5,\"x\",null,false]}'))"),
            Bulk("{\"a\":[1,2.5,\"x\",null,false]}"));
  EXPECT_EQ(Eval("return cjson.decode('{bad')")
                .rfind("-ERR user_script:1: Expected object key string but found invalid token at "
                       "character 2 script: ",
                       0),
            0u);
  EXPECT_EQ(Eval("return cjson.decode(string.rep('[', 2000))")
                .rfind("-ERR user_script:1: Found too many nested data structures (1001)", 0),
            0u);
  EXPECT_EQ(Eval("return bit.band(12, 10)"), Int(8));
  EXPECT_EQ(Eval("return bit.tohex(255)"), Bulk("000000ff"));
  EXPECT_EQ(Eval("return bit.lshift(1, 31)"), Int(-2147483648));
  // The libraries are read only, and loading them exposed no module system.
  for (const char* body : {"cjson.x = 1", "bit.band = nil"}) {
    EXPECT_NE(Eval(body).find("Attempt to modify a readonly table"), std::string::npos) << body;
  }
  for (const char* name : {"package", "require", "module"}) {
    EXPECT_NE(Eval(std::string("return ") + name).find("nonexistent global variable"),
              std::string::npos)
        << name;
  }
}

// Redis 7.0's scriptVerifyOOM: out of memory when the script started, a command that may grow
// the dataset is refused until the script has written; reads and deletes run.
TEST_F(ScriptTest, OutOfMemoryRefusesTheFirstWrite) {
  CacheOptions options;
  options.shards = 1;
  options.max_items = 1;
  options.eviction_policy = "noeviction";
  Reset(options);
  EXPECT_EQ(Run({"SET", "full", "1"}), kOk);
  EXPECT_EQ(Eval("return redis.call('get', 'full')"), Bulk("1"));
  EXPECT_EQ(Eval("return redis.pcall('set', 'x', '1')['err']"),
            Bulk("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(Eval("return redis.call('set', 'full', '2')")
                .rfind("-OOM command not allowed when used memory > 'maxmemory'. script: ", 0),
            0u);
  EXPECT_EQ(Run({"GET", "full"}), Bulk("1"));
  // After a write (DEL is one), later writes are not refused up front.
  EXPECT_EQ(Eval("redis.call('del', 'nokey') return redis.call('set', 'full', '3')"), kOk);
  EXPECT_EQ(Eval("return redis.call('del', 'full')"), Int(1));
  EXPECT_EQ(Eval("return redis.call('set', 'x', '1')"), kOk);  // room again
}

TEST_F(ScriptTest, ShebangFlags) {
  EXPECT_EQ(Eval("#!lua\nreturn 1"), Int(1));
  EXPECT_EQ(Eval("#!lua flags=no-writes,allow-oom\nreturn 2"), Int(2));
  EXPECT_EQ(Eval("#!lua\nreturn error('x')").rfind("-ERR user_script:2: x script: ", 0), 0u);
  EXPECT_NE(Eval("#!lua flags=no-writes\nreturn redis.call('set', 'x', '1')")
                .find("ERR Write commands are not allowed from read-only scripts."),
            std::string::npos);
  EXPECT_EQ(Run({"EVAL_RO", "#!lua\nreturn 1", "0"}),
            Err("ERR Can not execute a script with write flag using *_ro command."));
  EXPECT_EQ(Run({"EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"}), Int(1));
  EXPECT_EQ(Eval("#!lua flags=foo\nreturn 1"), Err("ERR Unexpected flag in script shebang: foo"));
  EXPECT_EQ(Eval("#!python\nreturn 1"), Err("ERR Unexpected engine in script shebang: #!python"));
  EXPECT_EQ(Eval("#!lua name=x\nreturn 1"), Err("ERR Unknown lua shebang option: name=x"));
  EXPECT_EQ(Eval("#!lua flags=no-writes"), Err("ERR Invalid script shebang"));
  // Out of memory: refused before it runs unless no-writes or allow-oom.
  CacheOptions options;
  options.max_items = 1;
  options.eviction_policy = "noeviction";
  Reset(options);
  EXPECT_EQ(Run({"SET", "full", "1"}), kOk);
  EXPECT_EQ(Eval("#!lua\nreturn 1"),
            Err("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(Eval("#!lua flags=no-writes\nreturn redis.call('get', 'full')"), Bulk("1"));
  EXPECT_EQ(Eval("#!lua flags=allow-oom\nreturn redis.call('set', 'full', '2')"), kOk);
}

// The script cache's bodies count against maxmemory like the entries (Budget::external_bytes).
TEST_F(ScriptTest, ScriptCacheCountsAgainstMaxmemory) {
  CacheOptions options;
  options.shards = 1;
  options.max_bytes = 8192;
  options.eviction_policy = "noeviction";
  Reset(options);
  const std::string big = "return 1 --" + std::string(6000, 'x');
  const std::string value(1500, 'v');
  EXPECT_EQ(Run({"SET", "a", value}), kOk);
  EXPECT_EQ(Run({"SCRIPT", "LOAD", big}).substr(0, 4), "$40\r");
  EXPECT_EQ(cache_->external_bytes(), static_cast<int64_t>(big.size()));
  EXPECT_EQ(Run({"SET", "b", value}),
            Err("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(Eval(big), Int(1));  // cached already: charged once
  EXPECT_EQ(cache_->external_bytes(), static_cast<int64_t>(big.size()));
  EXPECT_EQ(Run({"SCRIPT", "FLUSH"}), kOk);
  EXPECT_EQ(cache_->external_bytes(), 0);
  EXPECT_EQ(Run({"SET", "b", value}), kOk);
  // EVAL caches too; with an evicting policy the next write makes room by evicting keys.
  options.eviction_policy = "lru";
  Reset(options);
  EXPECT_EQ(Run({"SET", "a", value}), kOk);
  EXPECT_EQ(Eval(big), Int(1));
  EXPECT_EQ(Run({"SET", "b", value}), kOk);
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));  // evicted for the script cache
  EXPECT_EQ(Run({"SCRIPT", "FLUSH"}), kOk);
  EXPECT_EQ(cache_->external_bytes(), 0);
}

TEST_F(ScriptTest, ScriptInsideMultiAndUndeclaredKeys) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EVAL", "return redis.call('incr', KEYS[1])", "1", "n"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EVAL", "return redis.call('incr', 'undeclared')", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*2\r\n:1\r\n:1\r\n");
}

TEST_F(ScriptTest, KillStopsAReadOnlyScriptAndOthersGetBusy) {
  server_.scripting().set_busy_threshold_ms(0);
  ClientState other;
  std::atomic<bool> saw_busy{false};
  std::thread killer([&] {
    // Wait until a command from another client is refused with -BUSY, then kill the script.
    for (int i = 0; i < 200000 && !saw_busy.load(); ++i) {
      std::string out = RunAs(other, {"GET", "a"});
      if (out.rfind("-BUSY Redis is busy running a script.", 0) == 0) saw_busy.store(true);
      std::this_thread::yield();
    }
    while (server_.scripting().Kill() != ScriptEngine::KillResult::kKilled) {
      std::this_thread::yield();
    }
  });
  const std::string out = Eval("local i = 0 while true do i = i + 1 end");
  killer.join();
  EXPECT_TRUE(saw_busy.load());
  EXPECT_EQ(out.rfind("-ERR Script killed by user with SCRIPT KILL... script: ", 0), 0u) << out;
  EXPECT_EQ(RunAs(other, {"GET", "a"}), kNil);  // the gate is free again
}

TEST_F(ScriptTest, AScriptThatWroteCannotBeKilled) {
  std::atomic<bool> unkillable{false};
  std::thread killer([&] {
    while (server_.scripting().Kill() != ScriptEngine::KillResult::kUnkillable) {
      std::this_thread::yield();
    }
    unkillable.store(true);
    cache_->Set("stop", "1");  // tells the script to end (the cache itself takes no gate)
  });
  // Writes, then spins until the other thread has seen UNKILLABLE (bounded all the same).
  const std::string out = Eval(
      "redis.call('set', 'w', '1') local n = 0 while n < 3e8 do n = n + 1 "
      "if n % 10000 == 0 and redis.call('exists', 'stop') == 1 then break end end return n");
  killer.join();
  EXPECT_TRUE(unkillable.load());
  EXPECT_EQ(out[0], ':') << out;
  EXPECT_EQ(Run({"GET", "w"}), Bulk("1"));
}

}  // namespace
}  // namespace cairn::test
