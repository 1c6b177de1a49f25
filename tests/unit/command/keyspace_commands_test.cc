// Keyspace commands: DEL family, the EXPIRE family and its conditions, TTL family, RENAME, KEYS,
// SCAN, RANDOMKEY, DBSIZE, FLUSH*, OBJECT and MEMORY USAGE.
#include <algorithm>
#include <set>
#include <string>

#include "cairn/eviction/lfu_counter.h"
#include "command_fixture.h"

namespace cairn::test {
namespace {

using KeyspaceCommandsTest = CommandTest;

std::vector<std::string> SortedStrings(const Resp& array) {
  std::vector<std::string> out;
  for (const Resp& r : array.items) out.push_back(r.str);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(KeyspaceCommandsTest, DelUnlinkExistsTouch) {
  Run({"mset", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(Run({"exists", "a", "a", "missing", "b"}), Int(3));  // repeats count
  EXPECT_EQ(Run({"touch", "a", "missing"}), Int(1));
  EXPECT_EQ(Run({"del", "a", "b", "missing", "a"}), Int(2));
  EXPECT_EQ(Run({"unlink", "c", "c"}), Int(1));
  EXPECT_EQ(Run({"exists", "a", "b", "c"}), Int(0));
  EXPECT_EQ(Run({"del"}), Arity("del"));
  EXPECT_EQ(Run({"exists"}), Arity("exists"));
}

TEST_F(KeyspaceCommandsTest, ExpireFamilySetsTtl) {
  EXPECT_EQ(Run({"expire", "missing", "10"}), Int(0));
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"expire", "k", "100"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(100));
  EXPECT_EQ(Run({"pexpire", "k", "1499"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(1));  // rounded to the nearest second
  EXPECT_EQ(Run({"pexpire", "k", "1500"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(2));
  EXPECT_EQ(Run({"expireat", "k", std::to_string(kStartMs / 1000 + 30)}), Int(1));
  EXPECT_EQ(Run({"expiretime", "k"}), Int(kStartMs / 1000 + 30));
  EXPECT_EQ(Run({"pexpiretime", "k"}), Int(kStartMs + 30'000));
  EXPECT_EQ(Run({"pexpireat", "k", std::to_string(kStartMs + 2'500)}), Int(1));
  EXPECT_EQ(Run({"pttl", "k"}), Int(2500));
  EXPECT_EQ(Run({"expiretime", "k"}), Int(kStartMs / 1000 + 3));  // 2.5 s rounds up
  clock_.Advance(2'499);
  EXPECT_EQ(Run({"pttl", "k"}), Int(1));
  clock_.Advance(1);
  EXPECT_EQ(Run({"ttl", "k"}), Int(-2));
  EXPECT_EQ(Run({"get", "k"}), kNil);
}

TEST_F(KeyspaceCommandsTest, ExpireInThePastDeletes) {
  Run({"mset", "a", "1", "b", "2", "c", "3", "d", "4"});
  EXPECT_EQ(Run({"expire", "a", "-1"}), Int(1));
  EXPECT_EQ(Run({"pexpire", "b", "0"}), Int(1));
  EXPECT_EQ(Run({"expireat", "c", "1"}), Int(1));
  EXPECT_EQ(Run({"pexpireat", "d", "0"}), Int(1));
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(KeyspaceCommandsTest, ExpireConditions) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"expire", "k", "100", "XX"}), Int(0));  // no expiry yet
  EXPECT_EQ(Run({"expire", "k", "100", "GT"}), Int(0));  // none counts as infinite
  EXPECT_EQ(Run({"expire", "k", "100", "nx"}), Int(1));
  EXPECT_EQ(Run({"expire", "k", "200", "nx"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "50", "xx"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(50));
  EXPECT_EQ(Run({"expire", "k", "40", "gt"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "60", "gt"}), Int(1));
  EXPECT_EQ(Run({"expire", "k", "70", "lt"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "30", "lt"}), Int(1));
  EXPECT_EQ(Run({"expire", "k", "20", "xx", "lt"}), Int(1));
  EXPECT_EQ(Run({"expire", "k", "90", "gt", "xx"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(90));

  Run({"set", "p", "v"});
  EXPECT_EQ(Run({"expire", "p", "10", "xx", "lt"}), Int(0));  // XX wants an expiry
  EXPECT_EQ(Run({"ttl", "p"}), Int(-1));
  EXPECT_EQ(Run({"expire", "p", "10", "lt"}), Int(1));  // none counts as infinite
  EXPECT_EQ(Run({"ttl", "p"}), Int(10));
  EXPECT_EQ(Run({"expire", "p", "-5", "gt"}), Int(0));  // a failed condition deletes nothing
  EXPECT_EQ(Run({"exists", "p"}), Int(1));
}

TEST_F(KeyspaceCommandsTest, ExpireOptionErrors) {
  Run({"set", "k", "v"});
  const std::string nx_conflict =
      Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_EQ(Run({"expire", "k", "10", "nx", "xx"}), nx_conflict);
  EXPECT_EQ(Run({"expire", "k", "10", "gt", "nx"}), nx_conflict);
  EXPECT_EQ(Run({"expire", "k", "10", "nx", "lt"}), nx_conflict);
  EXPECT_EQ(Run({"pexpire", "k", "10", "gt", "lt"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"expire", "k", "10", "foo"}), Err("ERR Unsupported option foo"));
  EXPECT_EQ(Run({"expire", "k", "abc", "foo"}), Err("ERR Unsupported option foo"));
  EXPECT_EQ(Run({"expire", "k", "abc"}), kNotInt);
  EXPECT_EQ(Run({"expire", "k"}), Arity("expire"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
}

TEST_F(KeyspaceCommandsTest, ExpireOverflowIsAnInvalidTime) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"expire", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"expire", "k", "-9223372036854775808"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"pexpire", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(Run({"expireat", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
  // The largest absolute time is accepted (stored as the cache's maximum).
  EXPECT_EQ(Run({"pexpireat", "k", "9223372036854775807"}), Int(1));
  EXPECT_EQ(Run({"pexpiretime", "k"}), Int(Entry::kMaxExpireMs));
}

TEST_F(KeyspaceCommandsTest, TtlFamilyOnMissingAndPersistentKeys) {
  for (std::string_view cmd : {"ttl", "pttl", "expiretime", "pexpiretime"}) {
    EXPECT_EQ(Run({cmd, "missing"}), Int(-2)) << cmd;
  }
  Run({"set", "k", "v"});
  for (std::string_view cmd : {"ttl", "pttl", "expiretime", "pexpiretime"}) {
    EXPECT_EQ(Run({cmd, "k"}), Int(-1)) << cmd;
  }
}

TEST_F(KeyspaceCommandsTest, Persist) {
  EXPECT_EQ(Run({"persist", "missing"}), Int(0));
  Run({"set", "k", "v", "ex", "100"});
  EXPECT_EQ(Run({"persist", "k"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(Run({"persist", "k"}), Int(0));
  clock_.Advance(200'000);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
}

TEST_F(KeyspaceCommandsTest, Type) {
  EXPECT_EQ(Run({"type", "k"}), "+none\r\n");
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"type", "k"}), "+string\r\n");
}

TEST_F(KeyspaceCommandsTest, RenameAndRenameNx) {
  const std::string no_such_key = Err("ERR no such key");
  EXPECT_EQ(Run({"rename", "missing", "x"}), no_such_key);
  EXPECT_EQ(Run({"rename", "missing", "missing"}), no_such_key);
  EXPECT_EQ(Run({"renamenx", "missing", "x"}), no_such_key);
  Run({"set", "a", "1", "ex", "100"});
  EXPECT_EQ(Run({"rename", "a", "a"}), kOk);
  EXPECT_EQ(Run({"rename", "a", "b"}), kOk);
  EXPECT_EQ(Run({"exists", "a"}), Int(0));
  EXPECT_EQ(Run({"get", "b"}), Bulk("1"));
  EXPECT_EQ(Run({"ttl", "b"}), Int(100));  // the expiry moves with the key
  Run({"set", "c", "3"});
  EXPECT_EQ(Run({"rename", "c", "b"}), kOk);  // overwrites, expiry included
  EXPECT_EQ(Run({"get", "b"}), Bulk("3"));
  EXPECT_EQ(Run({"ttl", "b"}), Int(-1));
  Run({"set", "d", "4"});
  EXPECT_EQ(Run({"renamenx", "d", "b"}), Int(0));
  EXPECT_EQ(Run({"renamenx", "d", "d"}), Int(0));
  EXPECT_EQ(Run({"renamenx", "d", "e"}), Int(1));
  EXPECT_EQ(Run({"mget", "b", "d", "e"}), Arr({Bulk("3"), std::string(kNil), Bulk("4")}));
}

TEST_F(KeyspaceCommandsTest, KeysMatchesGlobPatterns) {
  Run({"mset", "a1", "x", "a2", "x", "b1", "x", "a\nb", "x"});
  EXPECT_EQ(Run({"keys", "nothing*"}), "*0\r\n");
  EXPECT_EQ(SortedStrings(ParseWhole(Run({"keys", "a?"}))), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(SortedStrings(ParseWhole(Run({"keys", "*1"}))), (std::vector<std::string>{"a1", "b1"}));
  EXPECT_EQ(ParseWhole(Run({"keys", "*"})).items.size(), 4u);
  Run({"set", "gone", "x", "px", "10"});
  clock_.Advance(10);
  EXPECT_EQ(ParseWhole(Run({"keys", "*"})).items.size(), 4u);  // expired keys are not listed
}

TEST_F(KeyspaceCommandsTest, ScanVisitsEveryKeyOnce) {
  std::set<std::string> all;
  for (int i = 0; i < 200; ++i) {
    const std::string k = "key:" + std::to_string(i);
    Run({"set", k, "v"});
    all.insert(k);
  }
  auto scan_all = [&](std::vector<std::string_view> options) {
    std::set<std::string> seen;
    std::string cursor = "0";
    int calls = 0;
    do {
      std::vector<std::string_view> args{"scan", cursor};
      args.insert(args.end(), options.begin(), options.end());
      const Resp r = ParseWhole(Run(args));
      EXPECT_EQ(r.type, '*');
      EXPECT_EQ(r.items.size(), 2u);
      EXPECT_EQ(r.items[0].type, '$');  // the cursor is a bulk string
      for (const Resp& k : r.items[1].items) seen.insert(k.str);
      cursor = r.items[0].str;
      ++calls;
    } while (cursor != "0" && calls < 10'000);
    return std::make_pair(seen, calls);
  };
  auto [seen, calls] = scan_all({});
  EXPECT_EQ(seen, all);
  EXPECT_GT(calls, 1);  // COUNT 10 by default
  auto [seen_big, calls_big] = scan_all({"COUNT", "1000"});
  EXPECT_EQ(seen_big, all);
  EXPECT_LT(calls_big, calls);
  auto [matched, unused] = scan_all({"match", "key:1?", "count", "7"});
  EXPECT_EQ(matched.size(), 10u);
  EXPECT_TRUE(matched.count("key:15"));
  EXPECT_EQ(scan_all({"type", "STRING"}).first, all);
  EXPECT_TRUE(scan_all({"type", "list"}).first.empty());
}

TEST_F(KeyspaceCommandsTest, ScanErrors) {
  const std::string invalid = Err("ERR invalid cursor");
  EXPECT_EQ(Run({"scan", "abc"}), invalid);
  EXPECT_EQ(Run({"scan", " 1"}), invalid);
  EXPECT_EQ(Run({"scan", "1x"}), invalid);
  EXPECT_EQ(Run({"scan", "99999999999999999999999"}), invalid);
  EXPECT_EQ(Run({"scan", "0", "count", "0"}), kSyntax);
  EXPECT_EQ(Run({"scan", "0", "count", "-1"}), kSyntax);
  EXPECT_EQ(Run({"scan", "0", "count", "x"}), kNotInt);
  EXPECT_EQ(Run({"scan", "0", "count"}), kSyntax);
  EXPECT_EQ(Run({"scan", "0", "foo", "bar"}), kSyntax);
  EXPECT_EQ(Run({"scan", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");  // empty keyspace
}

TEST_F(KeyspaceCommandsTest, RandomKeyDbSizeFlush) {
  EXPECT_EQ(Run({"randomkey"}), kNil);
  EXPECT_EQ(Run({"dbsize"}), Int(0));
  Run({"set", "only", "v"});
  EXPECT_EQ(Run({"randomkey"}), Bulk("only"));
  Run({"mset", "a", "1", "b", "2"});
  EXPECT_EQ(Run({"dbsize"}), Int(3));
  EXPECT_EQ(Run({"flushdb"}), kOk);
  EXPECT_EQ(Run({"dbsize"}), Int(0));
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"flushall", "ASYNC"}), kOk);
  EXPECT_EQ(Run({"exists", "a"}), Int(0));
  EXPECT_EQ(Run({"flushall", "sync"}), kOk);
  EXPECT_EQ(Run({"flushdb", "now"}), kSyntax);
  EXPECT_EQ(Run({"flushall", "sync", "async"}), kSyntax);
  EXPECT_EQ(Run({"dbsize", "x"}), Arity("dbsize"));
}

TEST_F(KeyspaceCommandsTest, ObjectEncoding) {
  const std::string long44(44, 'x'), long45(45, 'x');
  Run({"mset", "i", "123", "neg", "-5", "big", "12345678901234567890", "zero", "007"});
  Run({"mset", "e44", long44, "r45", long45, "f", "1.5"});
  EXPECT_EQ(Run({"object", "encoding", "i"}), Bulk("int"));
  EXPECT_EQ(Run({"object", "encoding", "neg"}), Bulk("int"));
  EXPECT_EQ(Run({"object", "encoding", "big"}), Bulk("embstr"));
  EXPECT_EQ(Run({"object", "encoding", "zero"}), Bulk("embstr"));
  EXPECT_EQ(Run({"object", "encoding", "f"}), Bulk("embstr"));
  EXPECT_EQ(Run({"object", "encoding", "e44"}), Bulk("embstr"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "r45"}), Bulk("raw"));
  EXPECT_EQ(Run({"object", "encoding", "missing"}), kNil);
}

constexpr std::string_view kFreqRefused =
    "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.\r\n";
constexpr std::string_view kIdleRefused =
    "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";

TEST_F(KeyspaceCommandsTest, ObjectIdleTimeAndRefCountUnderLru) {
  ASSERT_EQ(cache_->policy(), "lru");
  Run({"set", "k", "v"});
  clock_.Advance(5'000);
  EXPECT_EQ(Run({"object", "idletime", "k"}), Int(5));
  Run({"ttl", "k"});  // metadata reads do not count as an access
  Run({"type", "k"});
  EXPECT_EQ(Run({"object", "idletime", "k"}), Int(5));
  Run({"get", "k"});
  EXPECT_EQ(Run({"object", "idletime", "k"}), Int(0));
  EXPECT_EQ(Run({"object", "refcount", "k"}), Int(1));
  // FREQ needs an LFU policy; a missing key is nil before the policy is looked at, as in Redis.
  EXPECT_EQ(Run({"object", "freq", "k"}), kFreqRefused);
  for (std::string_view sub : {"idletime", "freq", "refcount"}) {
    EXPECT_EQ(Run({"object", sub, "missing"}), kNil) << sub;
  }
}

TEST_F(KeyspaceCommandsTest, ObjectFreqUnderLfuReportsTheDecayedCounter) {
  ASSERT_TRUE(cache_->SetPolicy("allkeys-lfu"));
  Run({"set", "k", "v"});
  for (int i = 0; i < 50; ++i) Run({"get", "k"});
  int raw = -1;
  cache_->Peek("k", [&](const Entry& e) { raw = e.freq(); });
  ASSERT_GE(raw, static_cast<int>(lfu::kInitVal));
  EXPECT_EQ(Run({"object", "freq", "k"}), Int(raw));
  clock_.Advance(3 * 60'000);  // idle for three minutes: the counter decays by one per minute
  EXPECT_EQ(Run({"object", "freq", "k"}), Int(raw - 3));
  int still_raw = -1;
  cache_->Peek("k", [&](const Entry& e) { still_raw = e.freq(); });
  EXPECT_EQ(still_raw, raw);  // reporting does not store the decay
  clock_.Advance(int64_t{raw} * 60'000);
  EXPECT_EQ(Run({"object", "freq", "k"}), Int(0));

  EXPECT_EQ(Run({"object", "idletime", "k"}), kIdleRefused);
  EXPECT_EQ(Run({"object", "idletime", "missing"}), kNil);
  EXPECT_EQ(Run({"object", "freq", "missing"}), kNil);
  EXPECT_EQ(Run({"object", "refcount", "k"}), Int(1));

  // Any policy whose name contains "lfu" counts; switching back restores the LRU answers.
  ASSERT_TRUE(cache_->SetPolicy("tinylfu"));
  EXPECT_EQ(Run({"object", "idletime", "k"}), kIdleRefused);
  EXPECT_EQ(Run({"object", "freq", "k"}), Int(0));
  ASSERT_TRUE(cache_->SetPolicy("sieve"));
  EXPECT_EQ(Run({"object", "freq", "k"}), kFreqRefused);
  EXPECT_EQ(Run({"object", "idletime", "k"}), Int(int64_t{raw} * 60 + 180));
}

TEST_F(KeyspaceCommandsTest, ObjectHelp) {
  const Resp help = ParseWhole(Run({"object", "help"}));
  ASSERT_EQ(help.items.size(), 15u);
  EXPECT_EQ(help.items[0].type, '+');
  EXPECT_EQ(help.items[0].str, "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.items[1].str, "ENCODING <key>");
  EXPECT_EQ(help.items[13].str, "HELP");
  EXPECT_EQ(help.items[14].str, "    Prints this help.");
  EXPECT_EQ(Run({"object", "help", "x"}), Arity("object|help"));
}

TEST_F(KeyspaceCommandsTest, MemoryUsage) {
  Run({"set", "key", std::string(100, 'v')});
  EXPECT_EQ(Run({"memory", "usage", "key"}), Int(static_cast<int64_t>(Entry::Charge(3, 100))));
  EXPECT_EQ(Run({"memory", "usage", "key", "samples", "0"}),
            Int(static_cast<int64_t>(Entry::Charge(3, 100))));
  EXPECT_EQ(Run({"memory", "usage", "missing"}), kNil);
  EXPECT_EQ(Run({"memory", "usage", "key", "samples", "-1"}), kSyntax);
  EXPECT_EQ(Run({"memory", "usage", "key", "samples", "x"}), kNotInt);
  EXPECT_EQ(Run({"memory", "usage", "key", "samples"}), kSyntax);
  EXPECT_EQ(Run({"memory", "usage", "key", "foo", "1"}), kSyntax);
  const Resp help = ParseWhole(Run({"memory", "help"}));
  ASSERT_EQ(help.items.size(), 6u);
  EXPECT_EQ(help.items[0].str, "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.items[1].str, "USAGE <key> [SAMPLES <count>]");
}

}  // namespace
}  // namespace cairn::test
