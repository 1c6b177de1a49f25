// Command-specific keyspace notifications, SLOWLOG, INFO latencystats and MONITOR through the
// dispatcher.
#include <gtest/gtest.h>

#include <regex>

#include "observability_fixture.h"

namespace cairn::test {
namespace {

using Msg = Recorder::Msg;

class KeyspaceEventsTest : public ObservabilityCommandTest {
 protected:
  KeyspaceEventsTest() { hub_.PSubscribe(&watcher_, "__key*@0__:*"); }
  void Flags(std::string_view classes) { notifier_.SetFlags(*ParseNotifyFlags(classes)); }
  // Both channels of one event, keyspace first (Redis's order).
  static std::vector<Msg> Event(std::string_view key, std::string_view event) {
    const std::string k(key), e(event);
    return {{"__key*@0__:*|__keyspace@0__:" + k, e}, {"__key*@0__:*|__keyevent@0__:" + e, k}};
  }
  static std::vector<Msg> Events(
      std::initializer_list<std::pair<std::string_view, std::string_view>> list) {
    std::vector<Msg> out;
    for (auto [key, event] : list) {
      for (Msg& m : Event(key, event)) out.push_back(std::move(m));
    }
    return out;
  }
};

TEST_F(KeyspaceEventsTest, EachWriteNamesItsEvent) {
  Flags("KEA");
  ASSERT_EQ(Run({"SET", "foo", "bar"}), kOk);
  ASSERT_EQ(Run({"EXPIRE", "foo", "100"}), Int(1));
  ASSERT_EQ(Run({"APPEND", "foo", "x"}), Int(4));
  ASSERT_EQ(Run({"INCRBY", "n", "5"}), Int(5));
  ASSERT_EQ(Run({"RENAME", "foo", "baz"}), kOk);
  ASSERT_EQ(Run({"DEL", "baz", "n", "missing"}), Int(2));
  EXPECT_EQ(watcher_.Take(), Events({{"foo", "set"},
                                     {"foo", "expire"},
                                     {"foo", "append"},
                                     {"n", "incrby"},
                                     {"foo", "rename_from"},
                                     {"baz", "rename_to"},
                                     {"baz", "del"},
                                     {"n", "del"}}));
}

TEST_F(KeyspaceEventsTest, MoreCommands) {
  Flags("KEA");
  ASSERT_EQ(Run({"SET", "k", "v", "EX", "10"}), kOk);
  ASSERT_EQ(Run({"SETNX", "k", "w"}), Int(0));  // not written: no event
  ASSERT_EQ(Run({"PERSIST", "k"}), Int(1));
  ASSERT_EQ(Run({"PERSIST", "k"}), Int(0));
  ASSERT_EQ(Run({"MSET", "a", "1", "b", "2"}), kOk);
  ASSERT_EQ(Run({"INCRBYFLOAT", "a", "1.5"}), Bulk("2.5"));
  ASSERT_EQ(Run({"DECR", "b"}), Int(1));
  ASSERT_EQ(Run({"SETRANGE", "k", "1", "xy"}), Int(3));
  ASSERT_EQ(Run({"GETDEL", "k"}), Bulk("vxy"));
  ASSERT_EQ(Run({"RENAME", "a", "a"}), kOk);      // to itself: nothing
  ASSERT_EQ(Run({"EXPIRE", "b", "-1"}), Int(1));  // in the past: deleted
  EXPECT_EQ(watcher_.Take(), Events({{"k", "set"},
                                     {"k", "expire"},
                                     {"k", "persist"},
                                     {"a", "set"},
                                     {"b", "set"},
                                     {"a", "incrbyfloat"},
                                     {"b", "incrby"},
                                     {"k", "setrange"},
                                     {"k", "del"},
                                     {"b", "del"}}));
}

TEST_F(KeyspaceEventsTest, ClassesFilter) {
  Flags("Eg");  // key events only, generic commands only
  ASSERT_EQ(Run({"SET", "k", "v"}), kOk);
  ASSERT_EQ(Run({"INCR", "n"}), Int(1));
  ASSERT_EQ(Run({"DEL", "k"}), Int(1));
  EXPECT_EQ(watcher_.Take(), (std::vector<Msg>{{"__key*@0__:*|__keyevent@0__:del", "k"}}));
  Flags("");
  ASSERT_EQ(Run({"SET", "k", "v"}), kOk);
  ASSERT_EQ(Run({"DEL", "k"}), Int(1));
  EXPECT_TRUE(watcher_.Take().empty());
}

TEST_F(ObservabilityCommandTest, SlowLogKeepsCommandsOverTheThreshold) {
  slowlog_.set_log_slower_than(0);
  client_.name = "me";
  ASSERT_EQ(Run({"SLOWLOG", "RESET"}), kOk);
  ASSERT_EQ(Run({"SET", "a", "1"}), kOk);
  ASSERT_EQ(Run({"AUTH", "secret"}).front(), '-');  // never logged (a password)
  ASSERT_EQ(Run({"MIGRATE", "127.0.0.1", "1", "nokey", "0", "10", "AUTH", "secret"}),
            "+NOKEY\r\n");  // nor MIGRATE with one
  const Resp entries = ParseWhole(Run({"SLOWLOG", "GET"}));
  ASSERT_EQ(entries.items.size(), 2u);
  const Resp& set = entries.items[0];
  ASSERT_EQ(set.items.size(), 6u);
  EXPECT_EQ(set.items[0].num, entries.items[1].items[0].num + 1);
  EXPECT_EQ(set.items[1].num, kStartMs / 1000);
  EXPECT_GE(set.items[2].num, 0);
  ASSERT_EQ(set.items[3].items.size(), 3u);
  EXPECT_EQ(set.items[3].items[0].str, "SET");
  EXPECT_EQ(set.items[4].str, "10.0.0.1:1111");
  EXPECT_EQ(set.items[5].str, "me");
  EXPECT_EQ(entries.items[1].items[3].items[1].str, "RESET");
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(3));  // SLOWLOG GET itself, after it ran
  EXPECT_EQ(ParseWhole(Run({"SLOWLOG", "GET", "1"})).items.size(), 1u);
  EXPECT_EQ(Run({"SLOWLOG", "GET", "x"}), Err("ERR count should be greater than or equal to -1"));
  EXPECT_EQ(Run({"SLOWLOG", "GET", "-2"}), Err("ERR count should be greater than or equal to -1"));
  EXPECT_EQ(Run({"SLOWLOG", "GET", "1", "2"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG "
                "HELP."));
  EXPECT_EQ(Run({"SLOWLOG", "NOPE"}), Err("ERR unknown subcommand 'NOPE'. Try SLOWLOG HELP."));
}

TEST_F(ObservabilityCommandTest, SlowLogCountsDebugSleep) {
  slowlog_.set_log_slower_than(100000);
  ASSERT_EQ(Run({"SET", "fast", "v"}), kOk);
  ASSERT_EQ(Run({"DEBUG", "SLEEP", "0.2"}), kOk);  // the session sleeps afterwards
  EXPECT_EQ(client_.sleep_us, 200000);
  client_.sleep_us = 0;  // the session resets it once it has slept
  const Resp entries = ParseWhole(Run({"SLOWLOG", "GET"}));
  ASSERT_EQ(entries.items.size(), 1u);
  EXPECT_GE(entries.items[0].items[2].num, 200000);
  EXPECT_EQ(entries.items[0].items[3].items[0].str, "DEBUG");
  slowlog_.set_log_slower_than(-1);
  ASSERT_EQ(Run({"DEBUG", "SLEEP", "0.3"}), kOk);
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(1));
}

TEST_F(ObservabilityCommandTest, LatencyStatsAndResetStat) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Run({"PING"}), "+PONG\r\n");
  ASSERT_EQ(Run({"GET", "k"}), kNil);
  const std::string info = ParseWhole(Run({"INFO", "latencystats"})).str;
  EXPECT_TRUE(info.starts_with("# Latencystats\r\n")) << info;
  EXPECT_TRUE(std::regex_search(
      info,
      std::regex("latency_percentiles_usec_ping:p50=[0-9.]+,p99=[0-9.]+,p99\\.9=[0-9.]+\r\n")))
      << info;
  EXPECT_NE(info.find("latency_percentiles_usec_get:"), std::string::npos);
  EXPECT_EQ(table_.Find("ping")->stats.latency.load()->Count(), 3u);
  // Not in the default sections.
  EXPECT_EQ(ParseWhole(Run({"INFO"})).str.find("Latencystats"), std::string::npos);

  ASSERT_EQ(Run({"CONFIG", "RESETSTAT"}), kOk);
  const std::string after = ParseWhole(Run({"INFO", "latencystats"})).str;
  EXPECT_EQ(after.find("_ping:"), std::string::npos) << after;
  EXPECT_NE(after.find("latency_percentiles_usec_config|resetstat:"), std::string::npos) << after;

  obs_.latency_tracking.store(false);
  ASSERT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(table_.Find("ping")->stats.latency.load()->Count(), 0u);
}

TEST_F(ObservabilityCommandTest, MonitorStreamsOtherCommands) {
  EXPECT_EQ(Run({"MONITOR"}), kOk);
  EXPECT_TRUE(client_.monitor);
  EXPECT_EQ(Run({"MONITOR"}), "");  // already a monitor: no reply
  ASSERT_EQ(Other({"SET", "k", "a\"b\n\x01"}), kOk);
  ASSERT_EQ(Other({"CONFIG", "GET", "maxclients"}).front(), '*');  // admin: not shown
  ASSERT_EQ(Other({"AUTH", "pw"}).front(), '-');                   // secrets: not shown
  const std::vector<Msg> got = mine_.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].where, "raw");
  EXPECT_TRUE(
      std::regex_match(got[0].what, std::regex("[0-9]+\\.[0-9]{6} \\[0 10\\.0\\.0\\.2:2222\\] "
                                               "\"SET\" \"k\" \"a\\\\\"b\\\\n\\\\x01\"")))
      << got[0].what;
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(monitors_.active());
  ASSERT_EQ(Other({"GET", "k"}).front(), '$');
  EXPECT_TRUE(mine_.Take().empty());
}

TEST_F(ObservabilityCommandTest, MonitorShowsScriptsAndTheirCommandsFromLua) {
  EXPECT_EQ(Run({"MONITOR"}), kOk);
  ASSERT_EQ(Other({"EVAL",
                   "redis.call('set', KEYS[1], 'v') redis.pcall('nosuch') "
                   "return redis.call('get', KEYS[1])",
                   "1", "k"}),
            "$1\r\nv\r\n");
  ASSERT_EQ(Other({"EVALSHA", "0123456789012345678901234567890123456789", "0"}).front(), '-');
  const std::vector<Msg> got = mine_.Take();
  // Redis 7.0: the EVAL line first, then each command the script ran (a refused one is not
  // shown) from "lua"; a NOSCRIPT EVALSHA is shown too.
  ASSERT_EQ(got.size(), 4u);
  const std::string stamp = "[0-9]+\\.[0-9]{6} ";
  EXPECT_TRUE(std::regex_match(
      got[0].what, std::regex(stamp + "\\[0 10\\.0\\.0\\.2:2222\\] \"EVAL\" .* \"1\" \"k\"")))
      << got[0].what;
  EXPECT_TRUE(std::regex_match(got[1].what, std::regex(stamp + "\\[0 lua\\] \"set\" \"k\" \"v\"")))
      << got[1].what;
  EXPECT_TRUE(std::regex_match(got[2].what, std::regex(stamp + "\\[0 lua\\] \"get\" \"k\"")))
      << got[2].what;
  EXPECT_TRUE(std::regex_match(got[3].what,
                               std::regex(stamp + "\\[0 10\\.0\\.0\\.2:2222\\] \"EVALSHA\" .*")))
      << got[3].what;
}

}  // namespace
}  // namespace cairn::test
