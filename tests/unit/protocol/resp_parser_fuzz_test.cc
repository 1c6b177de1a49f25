// Randomized RespParser tests: random and mutated byte strings never crash, always need more,
// fail with a protocol error, or consume at least one byte; and the answer depends only on the
// bytes, not on where a read happened to stop (every prefix agrees with the whole).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "cairn/protocol/resp_parser.h"
#include "parse_helpers.h"

namespace cairn {
namespace {

using testing::Parsed;
using testing::ParseOnce;

constexpr uint32_t kSeed = 20240611;

// Bytes that steer the parser into its interesting branches, plus anything at all.
char RandomByte(std::mt19937& rng) {
  static constexpr std::string_view kAlphabet = "*$\r\n\r\n0123456789-+ \t\v\"'\\xAf";
  std::uniform_int_distribution<int> pick(0, 9);
  if (pick(rng) < 8) {
    std::uniform_int_distribution<size_t> i(0, kAlphabet.size() - 1);
    return kAlphabet[i(rng)];
  }
  return static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
}

std::string RandomBytes(std::mt19937& rng) {
  std::string s(std::uniform_int_distribution<size_t>(0, 48)(rng), '\0');
  for (char& c : s) c = RandomByte(rng);
  return s;
}

// A valid command with a few bytes flipped, inserted or deleted.
std::string MutatedCommand(std::mt19937& rng) {
  std::uniform_int_distribution<int> argc(0, 4);
  std::uniform_int_distribution<size_t> arglen(0, 6);
  std::string s;
  const int n = argc(rng);
  const bool multibulk = rng() % 2 == 0;
  if (multibulk) s = "*" + std::to_string(n) + "\r\n";
  for (int i = 0; i < n; ++i) {
    std::string arg(arglen(rng), 'a');
    for (char& c : arg) c = RandomByte(rng);
    if (multibulk) {
      s += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
    } else {
      s += (i ? " \"" : "\"") + arg + "\"";
    }
  }
  if (!multibulk) s += "\r\n";
  const int edits = std::uniform_int_distribution<int>(0, 3)(rng);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t at = std::uniform_int_distribution<size_t>(0, s.size() - 1)(rng);
    switch (rng() % 3) {
      case 0:
        s[at] = RandomByte(rng);
        break;
      case 1:
        s.insert(at, 1, RandomByte(rng));
        break;
      default:
        s.erase(at, 1);
        break;
    }
  }
  return s;
}

void CheckInvariants(const RespParser& parser, const std::string& input) {
  const Parsed whole = ParseOnce(parser, input);
  switch (whole.status) {
    case ParseStatus::kComplete:
      ASSERT_GT(whole.consumed, 0u);
      ASSERT_LE(whole.consumed, input.size());
      ASSERT_TRUE(whole.error.empty());
      break;
    case ParseStatus::kNeedMore:
      ASSERT_TRUE(whole.argv.empty());
      ASSERT_TRUE(whole.need_bytes == 0 || whole.need_bytes > input.size()) << whole;
      break;
    case ParseStatus::kError:
      ASSERT_EQ(whole.error.rfind("ERR Protocol error: ", 0), 0u) << whole;
      ASSERT_TRUE(whole.argv.empty());
      break;
  }
  // The shortest prefix that gets a verdict (complete or error): no hint may point past it, or a
  // session that trusts the hint would sit on a verdict it could already give.
  size_t first_verdict = input.size() + 1;
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    if (ParseOnce(parser, std::string_view(input).substr(0, cut)).status !=
        ParseStatus::kNeedMore) {
      first_verdict = cut;
      break;
    }
  }
  // Every prefix either needs more or already gives the same answer as the whole input.
  for (size_t cut = 0; cut < input.size(); ++cut) {
    const Parsed part = ParseOnce(parser, std::string_view(input).substr(0, cut));
    if (part.status == ParseStatus::kNeedMore) {
      if (first_verdict <= input.size()) {
        ASSERT_LE(part.need_bytes, first_verdict) << "cut " << cut << ": " << part;
      }
      if (whole.status == ParseStatus::kComplete) {
        ASSERT_LT(cut, whole.consumed);
        ASSERT_LE(part.need_bytes, whole.consumed) << part << " vs " << whole;
      }
      continue;
    }
    ASSERT_EQ(part, whole) << "cut " << cut;
  }
}

void RunFuzz(const ParserLimits& limits) {
  RespParser parser(limits);
  std::mt19937 rng(kSeed);
  for (int i = 0; i < 20000; ++i) {
    const std::string input = i % 2 ? RandomBytes(rng) : MutatedCommand(rng);
    SCOPED_TRACE(::testing::Message() << "iteration " << i << " seed " << kSeed);
    ASSERT_NO_FATAL_FAILURE(CheckInvariants(parser, input));
  }
}

TEST(RespParserFuzzTest, DefaultLimits) { RunFuzz(ParserLimits{}); }

// Tiny limits so that every limit check is reached often.
TEST(RespParserFuzzTest, TinyLimits) {
  RunFuzz(ParserLimits{
      .max_bulk_len = 4, .max_multibulk_len = 3, .max_inline_len = 6, .auth_required = false});
}

TEST(RespParserFuzzTest, Unauthenticated) { RunFuzz(ParserLimits{.auth_required = true}); }

}  // namespace
}  // namespace cairn
