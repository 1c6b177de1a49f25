#include "cairn/common/strings.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(StringsTest, ParseInt64FollowsRedisRules) {
  EXPECT_EQ(ParseInt64("0"), 0);
  EXPECT_EQ(ParseInt64("-12"), -12);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(ParseInt64("9223372036854775808"));
  EXPECT_FALSE(ParseInt64(""));
  EXPECT_FALSE(ParseInt64(" 1"));
  EXPECT_FALSE(ParseInt64("1 "));
  EXPECT_FALSE(ParseInt64("+1"));
  EXPECT_FALSE(ParseInt64("01"));
  EXPECT_FALSE(ParseInt64("-0"));
  EXPECT_FALSE(ParseInt64("1.5"));
  EXPECT_FALSE(ParseInt64("abc"));
}

TEST(StringsTest, ParseLongDouble) {
  EXPECT_EQ(ParseLongDouble("1.5"), 1.5L);
  EXPECT_EQ(ParseLongDouble("-3"), -3.0L);
  EXPECT_EQ(ParseLongDouble("5.0e3"), 5000.0L);
  EXPECT_FALSE(ParseLongDouble("nan"));
  EXPECT_FALSE(ParseLongDouble(" 1"));
  EXPECT_FALSE(ParseLongDouble("1x"));
  EXPECT_FALSE(ParseLongDouble(""));
}

TEST(StringsTest, FormatLongDoubleLikeRedis) {
  EXPECT_EQ(FormatLongDouble(10.5L), "10.5");
  EXPECT_EQ(FormatLongDouble(3.0L), "3");
  EXPECT_EQ(FormatLongDouble(5000.0L), "5000");
  EXPECT_EQ(FormatLongDouble(-0.0L), "0");
  EXPECT_EQ(FormatLongDouble(0.1L), "0.1");
}

TEST(StringsTest, ParseMemoryUnits) {
  EXPECT_EQ(ParseMemory("100"), 100u);
  EXPECT_EQ(ParseMemory("1k"), 1000u);
  EXPECT_EQ(ParseMemory("1kb"), 1024u);
  EXPECT_EQ(ParseMemory("100mb"), 100u * 1024 * 1024);
  EXPECT_EQ(ParseMemory("1GB"), 1024ull * 1024 * 1024);
  EXPECT_EQ(ParseMemory("2g"), 2'000'000'000ull);
  EXPECT_FALSE(ParseMemory("mb"));
  EXPECT_FALSE(ParseMemory("10xb"));
  EXPECT_FALSE(ParseMemory("-1"));
  EXPECT_FALSE(ParseMemory("99999999999999999999gb"));
}

TEST(StringsTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("GeT", "get"));
  EXPECT_FALSE(EqualsIgnoreCase("get", "gets"));
}

}  // namespace
}  // namespace cairn
