// SET and GETEX options: EX PX EXAT PXAT NX XX KEEPTTL GET PERSIST, their conflicts and errors.
#include <string>

#include "command_fixture.h"

namespace cairn::test {
namespace {

using StringOptionsTest = CommandTest;

std::string Seconds(int64_t ms) { return std::to_string(ms / 1000); }

TEST_F(StringOptionsTest, SetWithRelativeExpiry) {
  EXPECT_EQ(Run({"set", "k", "v", "EX", "10"}), kOk);
  EXPECT_EQ(Run({"ttl", "k"}), Int(10));
  EXPECT_EQ(Run({"pttl", "k"}), Int(10000));
  EXPECT_EQ(Run({"set", "p", "v", "px", "1500"}), kOk);
  EXPECT_EQ(Run({"pttl", "p"}), Int(1500));
  EXPECT_EQ(Run({"ttl", "p"}), Int(2));
  clock_.Advance(1499);
  EXPECT_EQ(Run({"get", "p"}), Bulk("v"));
  clock_.Advance(1);
  EXPECT_EQ(Run({"get", "p"}), kNil);
  EXPECT_EQ(Run({"ttl", "p"}), Int(-2));
}

TEST_F(StringOptionsTest, SetWithAbsoluteExpiry) {
  const std::string at_s = Seconds(kStartMs + 100'000);
  EXPECT_EQ(Run({"set", "k", "v", "exat", at_s}), kOk);
  EXPECT_EQ(Run({"expiretime", "k"}), Int(kStartMs / 1000 + 100));
  EXPECT_EQ(Run({"set", "p", "v", "PXAT", std::to_string(kStartMs + 5)}), kOk);
  EXPECT_EQ(Run({"pexpiretime", "p"}), Int(kStartMs + 5));
  // Beyond what the cache stores: accepted, and the key simply never expires in practice.
  EXPECT_EQ(Run({"set", "far", "v", "pxat", "9223372036854775807"}), kOk);
  EXPECT_EQ(Run({"pexpiretime", "far"}), Int(Entry::kMaxExpireMs));
}

TEST_F(StringOptionsTest, SetWithExpiryInThePastLeavesNoKey) {
  Run({"set", "k", "old"});
  EXPECT_EQ(Run({"set", "k", "v", "pxat", std::to_string(kStartMs - 1)}), kOk);
  EXPECT_EQ(Run({"get", "k"}), kNil);
  EXPECT_EQ(Run({"set", "n", "v", "exat", "1"}), kOk);
  EXPECT_EQ(Run({"exists", "n"}), Int(0));
}

TEST_F(StringOptionsTest, SetRejectsBadExpireTimes) {
  const std::string invalid = Err("ERR invalid expire time in 'set' command");
  EXPECT_EQ(Run({"set", "k", "v", "ex", "0"}), invalid);
  EXPECT_EQ(Run({"set", "k", "v", "ex", "-1"}), invalid);
  EXPECT_EQ(Run({"set", "k", "v", "px", "0"}), invalid);
  EXPECT_EQ(Run({"set", "k", "v", "exat", "0"}), invalid);
  EXPECT_EQ(Run({"set", "k", "v", "ex", "9223372036854775807"}), invalid);  // * 1000
  EXPECT_EQ(Run({"set", "k", "v", "px", "9223372036854775807"}), invalid);  // + now
  EXPECT_EQ(Run({"set", "k", "v", "ex", "ten"}), kNotInt);
  EXPECT_EQ(Run({"set", "k", "v", "ex", "1.5"}), kNotInt);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

TEST_F(StringOptionsTest, SetSyntaxErrors) {
  for (std::vector<std::string_view> args : std::vector<std::vector<std::string_view>>{
           {"set", "k", "v", "nx", "xx"},
           {"set", "k", "v", "xx", "nx"},
           {"set", "k", "v", "ex"},
           {"set", "k", "v", "ex", "10", "px", "100"},
           {"set", "k", "v", "px", "100", "exat", "100"},
           {"set", "k", "v", "keepttl", "ex", "10"},
           {"set", "k", "v", "ex", "10", "keepttl"},
           {"set", "k", "v", "persist"},
           {"set", "k", "v", "foo"},
           {"set", "k", "v", "ex", "0", "foo"},  // syntax is checked before the time
       }) {
    EXPECT_EQ(Run(args), kSyntax) << args.size();
  }
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

TEST_F(StringOptionsTest, SetRepeatedOptionsAreAllowed) {
  EXPECT_EQ(Run({"set", "k", "v", "ex", "10", "EX", "20"}), kOk);
  EXPECT_EQ(Run({"ttl", "k"}), Int(20));
  EXPECT_EQ(Run({"set", "k", "v", "nx", "NX"}), kNil);
  EXPECT_EQ(Run({"set", "k", "w", "xx", "xx", "get", "get"}), Bulk("v"));
}

TEST_F(StringOptionsTest, SetNxAndXx) {
  EXPECT_EQ(Run({"set", "k", "a", "xx"}), kNil);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
  EXPECT_EQ(Run({"set", "k", "a", "nx"}), kOk);
  EXPECT_EQ(Run({"set", "k", "b", "nx"}), kNil);
  EXPECT_EQ(Run({"get", "k"}), Bulk("a"));
  EXPECT_EQ(Run({"set", "k", "c", "xx"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("c"));
  // The expire time is validated before the condition.
  EXPECT_EQ(Run({"set", "k", "d", "nx", "ex", "0"}),
            Err("ERR invalid expire time in 'set' command"));
}

TEST_F(StringOptionsTest, SetGetReturnsTheOldValue) {
  EXPECT_EQ(Run({"set", "k", "a", "get"}), kNil);
  EXPECT_EQ(Run({"get", "k"}), Bulk("a"));
  EXPECT_EQ(Run({"set", "k", "b", "GET"}), Bulk("a"));
  EXPECT_EQ(Run({"get", "k"}), Bulk("b"));
  // With NX / XX the old value is returned whether or not the write happened.
  EXPECT_EQ(Run({"set", "k", "c", "nx", "get"}), Bulk("b"));
  EXPECT_EQ(Run({"get", "k"}), Bulk("b"));
  EXPECT_EQ(Run({"set", "m", "c", "xx", "get"}), kNil);
  EXPECT_EQ(Run({"exists", "m"}), Int(0));
  EXPECT_EQ(Run({"set", "k", "d", "get", "ex", "5"}), Bulk("b"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(5));
}

TEST_F(StringOptionsTest, SetKeepTtl) {
  Run({"set", "k", "a", "ex", "100"});
  EXPECT_EQ(Run({"set", "k", "b", "keepttl"}), kOk);
  EXPECT_EQ(Run({"ttl", "k"}), Int(100));
  EXPECT_EQ(Run({"get", "k"}), Bulk("b"));
  EXPECT_EQ(Run({"set", "k", "c"}), kOk);  // a plain SET drops the expiry
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(Run({"set", "new", "v", "keepttl"}), kOk);
  EXPECT_EQ(Run({"ttl", "new"}), Int(-1));
}

TEST_F(StringOptionsTest, GetExReadsAndChangesTheExpiry) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"getex", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(Run({"getex", "k", "ex", "50"}), Bulk("v"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(50));
  EXPECT_EQ(Run({"getex", "k", "px", "1200"}), Bulk("v"));
  EXPECT_EQ(Run({"pttl", "k"}), Int(1200));
  EXPECT_EQ(Run({"getex", "k", "exat", Seconds(kStartMs + 70'000)}), Bulk("v"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(70));
  EXPECT_EQ(Run({"getex", "k", "pxat", std::to_string(kStartMs + 900)}), Bulk("v"));
  EXPECT_EQ(Run({"pttl", "k"}), Int(900));
  EXPECT_EQ(Run({"getex", "k", "persist"}), Bulk("v"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
  // An absolute time in the past: the value is returned, then the key is gone.
  EXPECT_EQ(Run({"getex", "k", "pxat", std::to_string(kStartMs - 10)}), Bulk("v"));
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

TEST_F(StringOptionsTest, GetExErrors) {
  EXPECT_EQ(Run({"getex", "missing"}), kNil);
  EXPECT_EQ(Run({"getex", "missing", "ex", "-1"}), kNil);  // nil before the time is checked
  Run({"set", "k", "v", "ex", "30"});
  EXPECT_EQ(Run({"getex", "k", "ex", "-1"}), Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(Run({"getex", "k", "px", "0"}), Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(Run({"getex", "k", "ex", "soon"}), kNotInt);
  for (std::vector<std::string_view> args : std::vector<std::vector<std::string_view>>{
           {"getex", "k", "ex", "10", "persist"},
           {"getex", "k", "persist", "ex", "10"},
           {"getex", "k", "ex", "10", "px", "10"},
           {"getex", "k", "nx"},
           {"getex", "k", "keepttl"},
           {"getex", "k", "get"},
           {"getex", "k", "px"},
       }) {
    EXPECT_EQ(Run(args), kSyntax) << args.size();
  }
  EXPECT_EQ(Run({"ttl", "k"}), Int(30));
  EXPECT_EQ(Run({"getex"}), Arity("getex"));
}

}  // namespace
}  // namespace cairn::test
