#include "cairn/common/glob.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "glob_reference.h"

namespace cairn {
namespace {

TEST(GlobTest, Basics) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("?", ""));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(GlobMatch("user:*:name", "user:42:name"));
  EXPECT_FALSE(GlobMatch("user:*:name", "user:42:age"));
}

TEST(GlobTest, EscapesAndBinary) {
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch(std::string_view("a\0*", 3), std::string_view("a\0zz", 4)));
  EXPECT_FALSE(GlobMatch(std::string_view("a\0*", 3), std::string_view("a\1zz", 4)));
}

TEST(GlobTest, NoCase) {
  EXPECT_TRUE(GlobMatch("MAX*", "maxmemory", true));
  EXPECT_FALSE(GlobMatch("MAX*", "maxmemory", false));
}

TEST(GlobTest, PathologicalPatternTerminates) {
  std::string pattern(200, '*');
  pattern += "x";
  EXPECT_FALSE(GlobMatch(pattern, std::string(40, 'a')));
}

TEST(GlobTest, RangeBoundsAreOrderedBeforeFolding) {
  // Redis swaps [Z-a] into nothing to swap, then folds both bounds to z..a: an empty range.
  EXPECT_FALSE(GlobMatch("[Z-a]", "m", true));
  EXPECT_TRUE(GlobMatch("[Z-a]", "_", false));
  EXPECT_TRUE(GlobMatch("[z-a]", "m", false));
  EXPECT_TRUE(GlobMatch("[A-C]", "b", true));
}

TEST(GlobTest, ClassQuirksAsRedis) {
  EXPECT_TRUE(GlobMatch("[^", "x"));           // an unterminated negated empty class: any byte
  EXPECT_FALSE(GlobMatch("[", "x"));           // an unterminated empty class: nothing
  EXPECT_TRUE(GlobMatch("a[bc", "ac"));        // unterminated: ends with the pattern
  EXPECT_TRUE(GlobMatch(R"([\\])", R"(\)"));   // an escaped backslash in a class
  EXPECT_TRUE(GlobMatch(R"([\])", "]"));       // an escaped bracket, then the unterminated end
  EXPECT_TRUE(GlobMatch(R"([a\-z]x)", "-x"));  // an escaped '-' is no range
  EXPECT_TRUE(GlobMatch("x\\", "x\\"));        // a trailing backslash is a literal
}

// The CVE-2022-36021 shape: each extra pair of stars multiplied Redis's (and Cairn's old) time by
// about ten. The cost must stay within (pattern + 1) x (text + 1) token steps.
TEST(GlobTest, AdversarialPatternsCostAtMostPatternTimesText) {
  const std::string text(40, 'a');
  std::string pattern;
  for (int i = 0; i < 20; ++i) pattern += "a*";
  pattern += "b";
  size_t steps = 0;
  EXPECT_FALSE(GlobMatchCounted(pattern, text, false, steps));
  EXPECT_LE(steps, (pattern.size() + 1) * (text.size() + 1));

  const std::string long_text(100000, 'a');
  std::string many_stars;
  for (int i = 0; i < 200; ++i) many_stars += "*a";
  many_stars += "?[^a]";
  steps = 0;
  EXPECT_FALSE(GlobMatchCounted(many_stars, long_text, false, steps));
  EXPECT_LE(steps, (many_stars.size() + 1) * (long_text.size() + 1));

  // Long classes are counted too: each tried byte scans the class once.
  const std::string klass = "*[" + std::string(1000, 'b') + "]c";
  steps = 0;
  EXPECT_FALSE(GlobMatchCounted(klass, std::string(1000, 'a'), true, steps));
  EXPECT_LE(steps, (klass.size() + 1) * 1001);
}

// The bound is exact, not just its order: found by the glob fuzz target, a star before a short
// literal tail over a long text once counted two steps per token tried (the loop's and the
// token's), and classes one more than their length.
TEST(GlobTest, StepBoundHoldsExactlyOnShortInputs) {
  size_t steps = 0;
  const std::string text = "||||||||||||**";
  EXPECT_FALSE(GlobMatchCounted("*||", text, false, steps));
  EXPECT_GE(steps, text.size());  // every text byte was looked at
  EXPECT_LE(steps, 4 * (text.size() + 1));

  static constexpr std::string_view kPatternBytes = "ab*?[]^-\\";
  std::mt19937 rng(16);
  auto pick = [&](std::string_view from, size_t max_len) {
    std::string s(std::uniform_int_distribution<size_t>(0, max_len)(rng), ' ');
    for (char& c : s) c = from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
    return s;
  };
  for (int i = 0; i < 100000; ++i) {
    const std::string pattern = pick(kPatternBytes, 10);
    const std::string subject = pick("ab]^-\\", 24);
    steps = 0;
    GlobMatchCounted(pattern, subject, false, steps);
    ASSERT_LE(steps, (pattern.size() + 1) * (subject.size() + 1))
        << "pattern '" << pattern << "' text '" << subject << "'";
  }
}

// Found by the glob fuzz target: with nocase Redis folds a range's bounds and the byte with
// tolower() on their signed values, which (glibc) turns 0x80-0xfe into 128-254 and keeps 0xff at
// -1, so a range with a high byte compares differently with and without nocase.
TEST(GlobTest, NocaseRangesWithHighBytesAsRedis) {
  EXPECT_TRUE(GlobMatch("[*-\xa2", "*", false));
  EXPECT_FALSE(GlobMatch("[*-\xa2", "*", true));
  EXPECT_TRUE(GlobMatch("[\x80-\xfe]", "\xa2", true));
  static constexpr unsigned char kBytes[] = {0x00, '*',  'A',  'Z',  '[',  'a',  'z',
                                             0x7f, 0x80, 0xa2, 0xc0, 0xdf, 0xfe, 0xff};
  for (unsigned char lo : kBytes) {
    for (unsigned char hi : kBytes) {
      const std::string pattern = {'[', static_cast<char>(lo), '-', static_cast<char>(hi), ']'};
      for (unsigned char c : kBytes) {
        const std::string text(1, static_cast<char>(c));
        for (bool nocase : {false, true}) {
          ASSERT_EQ(GlobMatch(pattern, text, nocase),
                    testing::ReferenceGlobMatch(pattern, text, nocase))
              << "range " << int{lo} << "-" << int{hi} << " byte " << int{c} << " nocase "
              << nocase;
        }
      }
    }
  }
}

// The matcher against Redis's own function, on every short pattern and string over an alphabet
// that reaches every branch (stars, classes, ranges, negation, escapes, case).
TEST(GlobTest, AgreesWithRedisOnRandomShortInputs) {
  static constexpr std::string_view kPatternBytes = "ab*?[]^-\\Az";
  static constexpr std::string_view kTextBytes = "abAz-]^\\*";
  std::mt19937 rng(36021);
  auto pick = [&](std::string_view from, size_t max_len) {
    std::string s(std::uniform_int_distribution<size_t>(0, max_len)(rng), ' ');
    for (char& c : s) c = from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
    return s;
  };
  int matches = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::string pattern = pick(kPatternBytes, 8);
    const std::string text = pick(kTextBytes, 7);
    const bool nocase = (i & 1) != 0;
    const bool want = testing::ReferenceGlobMatch(pattern, text, nocase);
    ASSERT_EQ(GlobMatch(pattern, text, nocase), want)
        << "pattern '" << pattern << "' text '" << text << "' nocase " << nocase;
    matches += want ? 1 : 0;
  }
  EXPECT_GT(matches, 1000);  // the inputs reach the matching side too
}

}  // namespace
}  // namespace cairn
