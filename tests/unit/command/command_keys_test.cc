// CommandKeys: the one derivation of a command's keys from its table row.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cairn/command/command_table.h"

namespace cairn {
namespace {

std::vector<std::string> KeysOf(const CommandSpec& spec, std::vector<std::string_view> args) {
  std::vector<std::string> out;
  for (std::string_view k : CommandKeys(spec, args)) out.emplace_back(k);
  return out;
}

CommandSpec Row(int first, int last, int step) {
  CommandSpec spec;
  spec.first_key = first;
  spec.last_key = last;
  spec.key_step = step;
  return spec;
}

TEST(CommandKeysTest, OneKeyManyKeysAndPairs) {
  EXPECT_EQ(KeysOf(Row(1, 1, 1), {"get", "k"}), (std::vector<std::string>{"k"}));
  EXPECT_EQ(KeysOf(Row(1, -1, 1), {"del", "a", "b", "a"}),
            (std::vector<std::string>{"a", "b", "a"}));  // repeats kept
  EXPECT_EQ(KeysOf(Row(1, -1, 2), {"mset", "a", "1", "b", "2"}),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(KeysOf(Row(1, 2, 1), {"rename", "s", "d"}), (std::vector<std::string>{"s", "d"}));
  const std::vector<std::string_view> mset = {"mset", "a", "1", "b", "2"};
  const CommandKeys keys(Row(1, -1, 2), mset);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.position(1), 3u);
  EXPECT_EQ(keys[1], "b");
  EXPECT_TRUE(keys.complete());
}

TEST(CommandKeysTest, KeylessAndShortLines) {
  EXPECT_TRUE(CommandKeys(Row(0, 0, 0), std::vector<std::string_view>{"ping", "x"}).empty());
  // A row reaching past the arguments: the keys that are there, and not complete (GETKEYS
  // refuses it).
  const std::vector<std::string_view> short_line = {"rename", "s"};
  const CommandKeys keys(Row(1, 2, 1), short_line);
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_FALSE(keys.complete());
  EXPECT_TRUE(CommandKeys(Row(1, -1, 1), std::vector<std::string_view>{"del"}).empty());
}

TEST(CommandKeysTest, ResolveFindsSubcommands) {
  CommandTable table;
  RegisterAllCommands(table);
  const std::vector<std::string_view> get = {"GET", "k"};
  ASSERT_NE(table.Resolve(get), nullptr);
  EXPECT_EQ(table.Resolve(get)->full_name, "get");
  const std::vector<std::string_view> cfg = {"config", "GET", "x"};
  ASSERT_NE(table.Resolve(cfg), nullptr);
  EXPECT_EQ(table.Resolve(cfg)->full_name, "config|get");
  const std::vector<std::string_view> unknown_sub = {"config", "nosuch"};
  EXPECT_EQ(table.Resolve(unknown_sub), nullptr);
  const std::vector<std::string_view> unknown = {"nosuch", "k"};
  EXPECT_EQ(table.Resolve(unknown), nullptr);
}

}  // namespace
}  // namespace cairn
