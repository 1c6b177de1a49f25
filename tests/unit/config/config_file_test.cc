// The redis.conf line syntax, value quoting and the shared value parsers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "config_file.h"
#include "config_spec.h"

namespace cairn::config_internal {
namespace {

using Args = std::vector<std::string>;

TEST(SplitConfigLineTest, LikeSdsSplitArgs) {
  EXPECT_EQ(SplitConfigLine("key value"), (Args{"key", "value"}));
  EXPECT_EQ(SplitConfigLine("  key \t  value  "), (Args{"key", "value"}));
  EXPECT_EQ(SplitConfigLine("bind 127.0.0.1 ::1"), (Args{"bind", "127.0.0.1", "::1"}));
  EXPECT_EQ(SplitConfigLine("k \"a b\""), (Args{"k", "a b"}));
  EXPECT_EQ(SplitConfigLine("k \"\""), (Args{"k", ""}));
  EXPECT_EQ(SplitConfigLine("k ''"), (Args{"k", ""}));
  EXPECT_EQ(SplitConfigLine("k \"\\x41\\x4a\\n\\r\\t\\\\\\\"\""), (Args{"k", "AJ\n\r\t\\\""}));
  EXPECT_EQ(SplitConfigLine("k \"\\xZZ\""), (Args{"k", "xZZ"}));  // not hex: the 'x' itself
  EXPECT_EQ(SplitConfigLine("k 'it\\'s' \"x\""), (Args{"k", "it's", "x"}));
  EXPECT_EQ(SplitConfigLine("k 'no\\nescape'"), (Args{"k", "no\\nescape"}));
  EXPECT_EQ(SplitConfigLine("k a\"b c\"d"), std::nullopt);  // closing quote glued to text
  EXPECT_EQ(SplitConfigLine("k a\"b c\""), (Args{"k", "ab c"}));
  EXPECT_EQ(SplitConfigLine("k back\\slash"), (Args{"k", "back\\slash"}));
  EXPECT_EQ(SplitConfigLine("k v#x"), (Args{"k", "v#x"}));
  EXPECT_EQ(SplitConfigLine(""), Args{});
  EXPECT_EQ(SplitConfigLine("   "), Args{});
}

TEST(SplitConfigLineTest, RejectsUnbalancedQuotes) {
  EXPECT_EQ(SplitConfigLine("k \"abc"), std::nullopt);
  EXPECT_EQ(SplitConfigLine("k 'abc"), std::nullopt);
  EXPECT_EQ(SplitConfigLine("k \"abc\"def"), std::nullopt);
  EXPECT_EQ(SplitConfigLine("k 'abc'def"), std::nullopt);
  EXPECT_EQ(SplitConfigLine("k \"abc\\\""), std::nullopt);
}

TEST(QuoteConfigValueTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(QuoteConfigValue("plain"), "plain");
  EXPECT_EQ(QuoteConfigValue("/a/b#c\\d"), "/a/b#c\\d");
  EXPECT_EQ(QuoteConfigValue(""), "\"\"");
  EXPECT_EQ(QuoteConfigValue("a b"), "\"a b\"");
  EXPECT_EQ(QuoteConfigValue("it's"), "\"it's\"");
  EXPECT_EQ(QuoteConfigValue("q\"\\"), "\"q\\\"\\\\\"");
  EXPECT_EQ(QuoteConfigValue(std::string("\x01\n\xff", 3)), "\"\\x01\\n\\xff\"");
}

TEST(QuoteConfigValueTest, EveryByteRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (const std::string& value :
       {all, std::string(" lead"), std::string("trail "), std::string("\\x41"), std::string("'")}) {
    auto args = SplitConfigLine("key " + QuoteConfigValue(value));
    ASSERT_TRUE(args.has_value());
    ASSERT_EQ(args->size(), 2u);
    EXPECT_EQ((*args)[1], value);
  }
}

TEST(ValueParsersTest, IntegersLikeRedis) {
  int64_t n = 0;
  EXPECT_EQ(ParseIntInRange("42", 0, 100, n), std::nullopt);
  EXPECT_EQ(n, 42);
  EXPECT_EQ(ParseIntInRange("abc", 0, 100, n), "argument couldn't be parsed into an integer");
  EXPECT_EQ(ParseIntInRange("+1", 0, 100, n), "argument couldn't be parsed into an integer");
  EXPECT_EQ(ParseIntInRange("101", 0, 100, n), "argument must be between 0 and 100 inclusive");
  EXPECT_EQ(ParseIntInRange("-1", 0, 100, n), "argument must be between 0 and 100 inclusive");
  uint64_t u = 0;
  EXPECT_EQ(ParseUintInRange("18446744073709551615", 0, UINT64_MAX, u), std::nullopt);
  EXPECT_EQ(u, UINT64_MAX);
  EXPECT_EQ(ParseUintInRange("-1", 0, UINT64_MAX, u),
            "argument must be between 0 and 18446744073709551615 inclusive");
  EXPECT_EQ(ParseUintInRange("1e3", 0, UINT64_MAX, u),
            "argument couldn't be parsed into an integer");
}

TEST(ValueParsersTest, SizesAndBooleans) {
  uint64_t n = 0;
  EXPECT_EQ(ParseSizeInRange("1kb", 0, UINT64_MAX, n), std::nullopt);
  EXPECT_EQ(n, 1024u);
  EXPECT_EQ(ParseSizeInRange("1k", 0, UINT64_MAX, n), std::nullopt);
  EXPECT_EQ(n, 1000u);
  EXPECT_EQ(ParseSizeInRange("lots", 0, UINT64_MAX, n), "argument must be a memory value");
  EXPECT_EQ(ParseSizeInRange("1k", 1048576, 2097152, n),
            "argument must be between 1048576 and 2097152 inclusive");
  bool b = false;
  EXPECT_EQ(ParseYesNo("YES", b), std::nullopt);
  EXPECT_TRUE(b);
  EXPECT_EQ(ParseYesNo("no", b), std::nullopt);
  EXPECT_FALSE(b);
  EXPECT_EQ(ParseYesNo("true", b), "argument must be 'yes' or 'no'");
}

TEST(ValueParsersTest, FormatSizeUsesWholeUnits) {
  EXPECT_EQ(FormatSize(0), "0");
  EXPECT_EQ(FormatSize(1000), "1000");
  EXPECT_EQ(FormatSize(1024), "1kb");
  EXPECT_EQ(FormatSize(1536), "1536");
  EXPECT_EQ(FormatSize(3 * 1024 * 1024), "3mb");
  EXPECT_EQ(FormatSize(1024ull * 1024 * 1024 * 1024), "1024gb");
  uint64_t back = 0;
  for (uint64_t v : {0ull, 1ull, 1000ull, 1024ull, 1536ull, 1048576ull, 5368709120ull}) {
    ASSERT_EQ(ParseSizeInRange(FormatSize(v), 0, UINT64_MAX, back), std::nullopt);
    EXPECT_EQ(back, v);
  }
}

TEST(ConfigSpecTest, NamesAndAliasesAreUniqueAndFindable) {
  std::set<std::string> seen;
  for (const ConfigSpec& spec : ConfigSpecs()) {
    EXPECT_TRUE(seen.insert(spec.name).second) << spec.name;
    EXPECT_EQ(FindConfigSpec(spec.name), &spec);
    for (const std::string& alias : spec.aliases) {
      EXPECT_TRUE(seen.insert(alias).second) << alias;
      EXPECT_EQ(FindConfigSpec(alias), &spec);
    }
    EXPECT_FALSE(spec.help.empty()) << spec.name;
  }
  EXPECT_EQ(FindConfigSpec("MaxMemory"), FindConfigSpec("maxmemory"));
  EXPECT_EQ(FindConfigSpec("nope"), nullptr);
}

TEST(ConfigSpecTest, DefaultsAreValidValues) {
  // Every default, printed either way, parses back to itself.
  const ServerConfig defaults;
  for (const ConfigSpec& spec : ConfigSpecs()) {
    SCOPED_TRACE(spec.name);
    ServerConfig from_get, from_file;
    EXPECT_EQ(spec.set(spec.get(defaults), {}, from_get), std::nullopt);
    EXPECT_EQ(spec.get(from_get), spec.get(defaults));
    auto args = SplitConfigLine(spec.name + " " + spec.file_value(defaults));
    ASSERT_TRUE(args.has_value());
    std::vector<std::string> values(args->begin() + 1, args->end());
    std::string joined;
    for (const std::string& v : values) joined += (joined.empty() ? "" : " ") + v;
    EXPECT_EQ(spec.set(joined, {}, from_file), std::nullopt);
    EXPECT_EQ(spec.get(from_file), spec.get(defaults));
  }
}

}  // namespace
}  // namespace cairn::config_internal
