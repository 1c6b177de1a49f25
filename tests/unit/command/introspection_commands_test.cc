// COMMAND and its subcommands: Redis 7.0 reply shapes.
#include <algorithm>
#include <string>

#include "command_fixture.h"

namespace cairn::test {
namespace {

using IntrospectionTest = CommandTest;

// COMMAND INFO get, byte for byte as Redis 7.0 answers it.
constexpr std::string_view kGetInfo =
    "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
    "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n"
    "*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n"
    "$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:"
    "1\r\n"
    "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n"
    "*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n"
    "*0\r\n";

TEST_F(IntrospectionTest, CommandInfoMatchesRedisShape) {
  EXPECT_EQ(Run({"command", "info", "get"}), "*1\r\n" + std::string(kGetInfo));
  EXPECT_EQ(Run({"COMMAND", "INFO", "nosuch", "GET"}), "*2\r\n$-1\r\n" + std::string(kGetInfo));
}

TEST_F(IntrospectionTest, CommandInfoKeyRangesAndSubcommands) {
  const Resp mset = ParseWhole(Run({"command", "info", "mset"})).items.at(0);
  ASSERT_EQ(mset.items.size(), 10u);
  EXPECT_EQ(mset.items[0].str, "mset");
  EXPECT_EQ(mset.items[1].num, -3);
  EXPECT_EQ(mset.items[3].num, 1);
  EXPECT_EQ(mset.items[4].num, -1);
  EXPECT_EQ(mset.items[5].num, 2);
  const Resp& range = mset.items[8].items.at(0).items.at(5).items.at(3);
  EXPECT_EQ(range.items.at(1).num, -1);  // lastkey
  EXPECT_EQ(range.items.at(3).num, 2);   // keystep

  const Resp rename = ParseWhole(Run({"command", "info", "rename"})).items.at(0);
  EXPECT_EQ(rename.items[8].items.at(0).items.at(5).items.at(3).items.at(1).num, 1);

  const Resp object = ParseWhole(Run({"command", "info", "object"})).items.at(0);
  EXPECT_EQ(object.items[9].items.size(), 5u);
  EXPECT_EQ(object.items[9].items[0].items[0].str, "object|encoding");
  const Resp enc = ParseWhole(Run({"command", "info", "object|encoding"})).items.at(0);
  EXPECT_EQ(enc.items[0].str, "object|encoding");
  EXPECT_EQ(enc.items[1].num, 3);
  EXPECT_EQ(enc.items[3].num, 2);
}

TEST_F(IntrospectionTest, FlagsAndCategories) {
  const Resp set = ParseWhole(Run({"command", "info", "set"})).items.at(0);
  ASSERT_EQ(set.items[2].items.size(), 2u);
  EXPECT_EQ(set.items[2].items[0].str, "write");
  EXPECT_EQ(set.items[2].items[1].str, "denyoom");
  std::vector<std::string> cats;
  for (const Resp& c : set.items[6].items) cats.push_back(c.str);
  EXPECT_EQ(cats, (std::vector<std::string>{"@write", "@string", "@slow"}));
  const Resp keys = ParseWhole(Run({"command", "info", "keys"})).items.at(0);
  cats.clear();
  for (const Resp& c : keys.items[6].items) cats.push_back(c.str);
  EXPECT_EQ(cats, (std::vector<std::string>{"@keyspace", "@read", "@slow", "@dangerous"}));
  EXPECT_EQ(keys.items[8].items.size(), 0u);  // no key specs
  // Explicit categories where Redis's do not follow from flags and group.
  const Resp command = ParseWhole(Run({"command", "info", "command"})).items.at(0);
  cats.clear();
  for (const Resp& c : command.items[6].items) cats.push_back(c.str);
  EXPECT_EQ(cats, (std::vector<std::string>{"@connection", "@slow"}));
}

TEST_F(IntrospectionTest, PlainCommandAndCount) {
  const size_t n = table_.all().size();
  EXPECT_EQ(Run({"command", "count"}), Int(static_cast<int64_t>(n)));
  const Resp all = ParseWhole(Run({"command"}));
  ASSERT_EQ(all.items.size(), n);
  EXPECT_EQ(ParseWhole(Run({"command", "info"})).items.size(), n);
  bool found_get = false;
  for (const Resp& info : all.items) {
    EXPECT_EQ(info.items.size(), 10u);
    found_get |= info.items[0].str == "get";
  }
  EXPECT_TRUE(found_get);
  EXPECT_EQ(Run({"command", "count", "x"}), Arity("command|count"));
}

TEST_F(IntrospectionTest, CommandDocs) {
  EXPECT_EQ(Run({"command", "docs", "get"}),
            "*2\r\n$3\r\nget\r\n*6\r\n$7\r\nsummary\r\n" + Bulk("Get the value of a key") +
                "$5\r\nsince\r\n$5\r\n1.0.0\r\n" + "$5\r\ngroup\r\n$6\r\nstring\r\n");
  const Resp del = ParseWhole(Run({"command", "docs", "DEL", "nosuch", "memory"}));
  ASSERT_EQ(del.items.size(), 4u);  // a flat map: name, doc, name, doc
  EXPECT_EQ(del.items[0].str, "del");
  EXPECT_EQ(del.items[1].items.at(5).str, "generic");
  EXPECT_EQ(ParseWhole(Run({"command", "docs", "flushdb"})).items.at(1).items.at(5).str, "server");
  EXPECT_EQ(del.items[2].str, "memory");
  EXPECT_EQ(del.items[3].items.at(6).str, "subcommands");
  EXPECT_EQ(del.items[3].items.at(7).items.at(0).str, "memory|help");
  EXPECT_EQ(Run({"command", "docs", "nosuch"}), "*0\r\n");
  EXPECT_EQ(ParseWhole(Run({"command", "docs"})).items.size(), 2 * table_.all().size());
}

TEST_F(IntrospectionTest, CommandList) {
  const Resp all = ParseWhole(Run({"command", "list"}));
  size_t expected = 0;
  for (const CommandSpec& spec : table_.all()) expected += 1 + spec.subcommands.size();
  EXPECT_EQ(all.items.size(), expected);
  auto names = [](const Resp& r) {
    std::vector<std::string> out;
    for (const Resp& i : r.items) out.push_back(i.str);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(names(ParseWhole(Run({"command", "list", "filterby", "pattern", "GET*"}))),
            (std::vector<std::string>{"get", "getdel", "getex", "getrange", "getset"}));
  // Other families (server, connection) may add dangerous commands of their own.
  const std::vector<std::string> dangerous =
      names(ParseWhole(Run({"command", "list", "FILTERBY", "aclcat", "dangerous"})));
  const std::vector<std::string> mine{"flushall", "flushdb", "keys"};
  EXPECT_TRUE(std::includes(dangerous.begin(), dangerous.end(), mine.begin(), mine.end()));
  EXPECT_FALSE(std::binary_search(dangerous.begin(), dangerous.end(), "get"));
  EXPECT_EQ(names(ParseWhole(Run({"command", "list", "filterby", "pattern", "object|*"}))),
            (std::vector<std::string>{"object|encoding", "object|freq", "object|help",
                                      "object|idletime", "object|refcount"}));
  EXPECT_EQ(Run({"command", "list", "filterby", "module", "x"}), "*0\r\n");
  EXPECT_EQ(Run({"command", "list", "filterby", "color", "x"}), kSyntax);
  EXPECT_EQ(Run({"command", "list", "filterby", "pattern"}), kSyntax);
  EXPECT_EQ(Run({"command", "list", "extra"}), kSyntax);
}

TEST_F(IntrospectionTest, CommandGetKeys) {
  EXPECT_EQ(Run({"command", "getkeys", "set", "k", "v"}), Arr({Bulk("k")}));
  EXPECT_EQ(Run({"command", "getkeys", "MSET", "a", "1", "b", "2"}), Arr({Bulk("a"), Bulk("b")}));
  EXPECT_EQ(Run({"command", "getkeys", "rename", "a", "b"}), Arr({Bulk("a"), Bulk("b")}));
  EXPECT_EQ(Run({"command", "getkeys", "del", "a", "b", "c"}),
            Arr({Bulk("a"), Bulk("b"), Bulk("c")}));
  EXPECT_EQ(Run({"command", "getkeys", "object", "encoding", "k"}), Arr({Bulk("k")}));
  EXPECT_EQ(Run({"command", "getkeys", "nosuch", "k"}), Err("ERR Invalid command specified"));
  EXPECT_EQ(Run({"command", "getkeys", "object", "nosuch", "k"}),
            Err("ERR Invalid command specified"));
  EXPECT_EQ(Run({"command", "getkeys", "dbsize", "x"}),
            Err("ERR The command has no key arguments"));
  EXPECT_EQ(Run({"command", "getkeys", "get", "a", "b"}),
            Err("ERR Invalid number of arguments specified for command"));
  EXPECT_EQ(Run({"command", "getkeys", "get"}), Arity("command|getkeys"));  // arity -4
  EXPECT_EQ(Run({"command", "getkeysandflags", "set", "k", "v"}),
            "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RW\r\n+update\r\n");
}

TEST_F(IntrospectionTest, CommandHelp) {
  const Resp help = ParseWhole(Run({"command", "help"}));
  ASSERT_EQ(help.items.size(), 21u);
  EXPECT_EQ(help.items[0].str, "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.items[1].str, "(no subcommand)");
  EXPECT_EQ(Run({"command", "nosuch"}), "-ERR unknown subcommand 'nosuch'. Try COMMAND HELP.\r\n");
}

}  // namespace
}  // namespace cairn::test
