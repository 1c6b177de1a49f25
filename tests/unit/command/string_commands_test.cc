// String commands: exact RESP replies, error texts, and the value left behind.
#include <string>

#include "command_fixture.h"

namespace cairn::test {
namespace {

using namespace std::string_view_literals;
using StringCommandsTest = CommandTest;

TEST_F(StringCommandsTest, GetSetRoundTrip) {
  EXPECT_EQ(Run({"get", "k"}), kNil);
  EXPECT_EQ(Run({"set", "k", "hello"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("hello"));
  EXPECT_EQ(Run({"SET", "k", "world"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("world"));
}

TEST_F(StringCommandsTest, BinaryValuesAndEmptyKeysAndValues) {
  const std::string_view binary = "a\0b\r\n\xff"sv;
  EXPECT_EQ(Run({"set", "bin\0key"sv, binary}), kOk);
  EXPECT_EQ(Run({"get", "bin\0key"sv}), "$6\r\na\0b\r\n\xff\r\n"sv);
  EXPECT_EQ(Run({"get", "bin"}), kNil);
  EXPECT_EQ(Run({"set", "", "empty-key"}), kOk);
  EXPECT_EQ(Run({"get", ""}), Bulk("empty-key"));
  EXPECT_EQ(Run({"set", "e", ""}), kOk);
  EXPECT_EQ(Run({"get", "e"}), kEmpty);
  EXPECT_EQ(Run({"strlen", "e"}), Int(0));
  EXPECT_EQ(Run({"exists", "e"}), Int(1));
}

TEST_F(StringCommandsTest, SetNx) {
  EXPECT_EQ(Run({"setnx", "k", "a"}), Int(1));
  EXPECT_EQ(Run({"setnx", "k", "b"}), Int(0));
  EXPECT_EQ(Run({"get", "k"}), Bulk("a"));
  EXPECT_EQ(Run({"setnx", "k"}), Arity("setnx"));
}

TEST_F(StringCommandsTest, SetExAndPSetEx) {
  EXPECT_EQ(Run({"setex", "k", "10", "v"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(10));
  EXPECT_EQ(Run({"psetex", "p", "1500", "v"}), kOk);
  EXPECT_EQ(Run({"pttl", "p"}), Int(1500));
  clock_.Advance(1500);
  EXPECT_EQ(Run({"get", "p"}), kNil);
  EXPECT_EQ(Run({"ttl", "k"}), Int(9));  // 8.5 s rounds to 9
  EXPECT_EQ(Run({"setex", "k", "0", "v"}), Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(Run({"setex", "k", "-3", "v"}), Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(Run({"psetex", "k", "0", "v"}), Err("ERR invalid expire time in 'psetex' command"));
  EXPECT_EQ(Run({"setex", "k", "ten", "v"}), kNotInt);
  EXPECT_EQ(Run({"setex", "k", "10"}), Arity("setex"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(9));  // the failed calls left the key alone
}

TEST_F(StringCommandsTest, GetSetReturnsOldValueAndClearsTtl) {
  EXPECT_EQ(Run({"getset", "k", "a"}), kNil);
  EXPECT_EQ(Run({"get", "k"}), Bulk("a"));
  Run({"expire", "k", "100"});
  EXPECT_EQ(Run({"getset", "k", "b"}), Bulk("a"));
  EXPECT_EQ(Run({"get", "k"}), Bulk("b"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
}

TEST_F(StringCommandsTest, GetDel) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"getdel", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"getdel", "k"}), kNil);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

TEST_F(StringCommandsTest, MGetMSetMSetNx) {
  EXPECT_EQ(Run({"mset", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(Run({"mget", "a", "missing", "b"}), Arr({Bulk("1"), std::string(kNil), Bulk("2")}));
  EXPECT_EQ(Run({"mset", "a", "1", "b"}), Arity("mset"));
  EXPECT_EQ(Run({"mset", "a"}), Arity("mset"));
  EXPECT_EQ(Run({"mget"}), Arity("mget"));
  // MSET drops an existing expiry; the last of repeated keys wins.
  Run({"expire", "a", "100"});
  EXPECT_EQ(Run({"mset", "a", "x", "a", "y"}), kOk);
  EXPECT_EQ(Run({"get", "a"}), Bulk("y"));
  EXPECT_EQ(Run({"ttl", "a"}), Int(-1));

  EXPECT_EQ(Run({"msetnx", "c", "3", "a", "9"}), Int(0));  // a exists: nothing written
  EXPECT_EQ(Run({"exists", "c"}), Int(0));
  EXPECT_EQ(Run({"get", "a"}), Bulk("y"));
  EXPECT_EQ(Run({"msetnx", "c", "3", "d", "4"}), Int(1));
  EXPECT_EQ(Run({"mget", "c", "d"}), Arr({Bulk("3"), Bulk("4")}));
  EXPECT_EQ(Run({"msetnx", "e", "5", "f"}), Arity("msetnx"));
}

TEST_F(StringCommandsTest, IncrDecrFamily) {
  EXPECT_EQ(Run({"incr", "n"}), Int(1));
  EXPECT_EQ(Run({"incr", "n"}), Int(2));
  EXPECT_EQ(Run({"incrby", "n", "10"}), Int(12));
  EXPECT_EQ(Run({"decr", "n"}), Int(11));
  EXPECT_EQ(Run({"decrby", "n", "20"}), Int(-9));
  EXPECT_EQ(Run({"incrby", "n", "-1"}), Int(-10));
  EXPECT_EQ(Run({"get", "n"}), Bulk("-10"));
  EXPECT_EQ(Run({"decr", "fresh"}), Int(-1));
}

TEST_F(StringCommandsTest, IncrRejectsNonIntegersAndLeavesValue) {
  for (std::string_view bad :
       {"abc", " 1", "1 ", "01", "+1", "1.5", "", "-0", "99999999999999999999"}) {
    Run({"set", "k", bad});
    EXPECT_EQ(Run({"incr", "k"}), kNotInt) << bad;
    EXPECT_EQ(Run({"get", "k"}), Bulk(bad));
  }
  Run({"set", "n", "5"});
  EXPECT_EQ(Run({"incrby", "n", "abc"}), kNotInt);
  EXPECT_EQ(Run({"incrby", "n", "9223372036854775808"}), kNotInt);
  EXPECT_EQ(Run({"decrby", "n", "1.0"}), kNotInt);
  EXPECT_EQ(Run({"get", "n"}), Bulk("5"));
}

TEST_F(StringCommandsTest, IncrOverflowLeavesValueUnchanged) {
  const std::string overflow = Err("ERR increment or decrement would overflow");
  Run({"set", "max", "9223372036854775807"});
  EXPECT_EQ(Run({"incr", "max"}), overflow);
  EXPECT_EQ(Run({"incrby", "max", "1"}), overflow);
  EXPECT_EQ(Run({"get", "max"}), Bulk("9223372036854775807"));
  Run({"set", "min", "-9223372036854775808"});
  EXPECT_EQ(Run({"decr", "min"}), overflow);
  EXPECT_EQ(Run({"decrby", "min", "1"}), overflow);
  EXPECT_EQ(Run({"get", "min"}), Bulk("-9223372036854775808"));
  EXPECT_EQ(Run({"incrby", "min", "9223372036854775807"}), Int(-1));
  Run({"set", "z", "0"});
  EXPECT_EQ(Run({"decrby", "z", "-9223372036854775808"}), Err("ERR decrement would overflow"));
  EXPECT_EQ(Run({"get", "z"}), Bulk("0"));
}

TEST_F(StringCommandsTest, IncrKeepsTheExpiry) {
  Run({"set", "n", "1", "ex", "100"});
  EXPECT_EQ(Run({"incr", "n"}), Int(2));
  EXPECT_EQ(Run({"ttl", "n"}), Int(100));
  EXPECT_EQ(Run({"incrbyfloat", "n", "0.5"}), Bulk("2.5"));
  EXPECT_EQ(Run({"ttl", "n"}), Int(100));
}

TEST_F(StringCommandsTest, IncrByFloat) {
  EXPECT_EQ(Run({"incrbyfloat", "f", "1"}), Bulk("1"));
  EXPECT_EQ(Run({"incrbyfloat", "f", "0.25"}), Bulk("1.25"));
  EXPECT_EQ(Run({"incrbyfloat", "f", "-1.25"}), Bulk("0"));
  Run({"set", "f", "10.50"});
  EXPECT_EQ(Run({"incrbyfloat", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"incrbyfloat", "f", "-5"}), Bulk("5.6"));
  EXPECT_EQ(Run({"get", "f"}), Bulk("5.6"));
  Run({"set", "e", "5.0e3"});
  EXPECT_EQ(Run({"incrbyfloat", "e", "2.0e2"}), Bulk("5200"));
  Run({"set", "i", "17"});
  EXPECT_EQ(Run({"incrbyfloat", "i", "3"}), Bulk("20"));
  EXPECT_EQ(Run({"incr", "i"}), Int(21));  // stored as a plain integer again
}

TEST_F(StringCommandsTest, IncrByFloatErrors) {
  const std::string not_float = Err("ERR value is not a valid float");
  Run({"set", "s", "abc"});
  EXPECT_EQ(Run({"incrbyfloat", "s", "1"}), not_float);
  EXPECT_EQ(Run({"get", "s"}), Bulk("abc"));
  Run({"set", "f", "1.5"});
  EXPECT_EQ(Run({"incrbyfloat", "f", "x"}), not_float);
  EXPECT_EQ(Run({"incrbyfloat", "f", " 1"}), not_float);
  EXPECT_EQ(Run({"incrbyfloat", "f", "nan"}), not_float);
  EXPECT_EQ(Run({"incrbyfloat", "f", "+inf"}), Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(Run({"get", "f"}), Bulk("1.5"));
  EXPECT_EQ(Run({"incrbyfloat", "missing", "x"}), not_float);
  EXPECT_EQ(Run({"exists", "missing"}), Int(0));
}

TEST_F(StringCommandsTest, AppendAndStrlen) {
  EXPECT_EQ(Run({"strlen", "k"}), Int(0));
  EXPECT_EQ(Run({"append", "k", "Hello"}), Int(5));
  EXPECT_EQ(Run({"append", "k", " World"}), Int(11));
  EXPECT_EQ(Run({"get", "k"}), Bulk("Hello World"));
  EXPECT_EQ(Run({"strlen", "k"}), Int(11));
  EXPECT_EQ(Run({"append", "k", "\0\r\n"sv}), Int(14));
  EXPECT_EQ(Run({"get", "k"}), Bulk("Hello World\0\r\n"sv));
  EXPECT_EQ(Run({"append", "k", ""}), Int(14));
}

TEST_F(StringCommandsTest, AppendRespectsProtoMaxBulkLen) {
  server_.proto_max_bulk_len_ = 10;
  EXPECT_EQ(Run({"append", "k", "12345678"}), Int(8));
  EXPECT_EQ(Run({"append", "k", "90"}), Int(10));
  EXPECT_EQ(Run({"append", "k", "x"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(Run({"get", "k"}), Bulk("1234567890"));
}

TEST_F(StringCommandsTest, GetRange) {
  Run({"set", "k", "This is a string"});
  EXPECT_EQ(Run({"getrange", "k", "0", "3"}), Bulk("This"));
  EXPECT_EQ(Run({"getrange", "k", "-3", "-1"}), Bulk("ing"));
  EXPECT_EQ(Run({"getrange", "k", "0", "-1"}), Bulk("This is a string"));
  EXPECT_EQ(Run({"getrange", "k", "10", "100"}), Bulk("string"));
  EXPECT_EQ(Run({"getrange", "k", "-100", "3"}), Bulk("This"));
  EXPECT_EQ(Run({"getrange", "k", "5", "3"}), kEmpty);
  EXPECT_EQ(Run({"getrange", "k", "-1", "-5"}), kEmpty);
  EXPECT_EQ(Run({"getrange", "k", "100", "200"}), kEmpty);
  EXPECT_EQ(Run({"substr", "k", "0", "3"}), Bulk("This"));
  EXPECT_EQ(Run({"getrange", "missing", "0", "-1"}), kEmpty);
  EXPECT_EQ(Run({"getrange", "k", "a", "1"}), kNotInt);
  EXPECT_EQ(Run({"getrange", "missing", "0", "b"}), kNotInt);
  Run({"set", "e", ""});
  EXPECT_EQ(Run({"getrange", "e", "0", "-1"}), kEmpty);
}

TEST_F(StringCommandsTest, SetRange) {
  Run({"set", "k", "Hello World"});
  EXPECT_EQ(Run({"setrange", "k", "6", "Redis"}), Int(11));
  EXPECT_EQ(Run({"get", "k"}), Bulk("Hello Redis"));
  EXPECT_EQ(Run({"setrange", "k", "11", "!"}), Int(12));
  EXPECT_EQ(Run({"get", "k"}), Bulk("Hello Redis!"));
  EXPECT_EQ(Run({"setrange", "k", "100", ""}), Int(12));  // setting nothing
  EXPECT_EQ(Run({"setrange", "pad", "3", "ab"}), Int(5));
  EXPECT_EQ(Run({"get", "pad"}), Bulk("\0\0\0ab"sv));
  EXPECT_EQ(Run({"setrange", "none", "0", ""}), Int(0));
  EXPECT_EQ(Run({"exists", "none"}), Int(0));
  EXPECT_EQ(Run({"setrange", "k", "-1", "x"}), Err("ERR offset is out of range"));
  EXPECT_EQ(Run({"setrange", "k", "one", "x"}), kNotInt);
  EXPECT_EQ(Run({"get", "k"}), Bulk("Hello Redis!"));
}

TEST_F(StringCommandsTest, SetRangeRespectsProtoMaxBulkLen) {
  server_.proto_max_bulk_len_ = 10;
  const std::string too_long = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  EXPECT_EQ(Run({"setrange", "k", "8", "abc"}), too_long);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
  EXPECT_EQ(Run({"setrange", "k", "9223372036854775807", "x"}), too_long);
  EXPECT_EQ(Run({"setrange", "k", "8", "ab"}), Int(10));
  EXPECT_EQ(Run({"setrange", "k", "9", "xy"}), too_long);
  EXPECT_EQ(Run({"setrange", "k", "50", ""}), Int(10));
}

TEST_F(StringCommandsTest, WritesAnswerOomOnAFullNoEvictionCache) {
  CacheOptions options;
  options.shards = 4;
  options.max_items = 1;
  options.eviction_policy = "noeviction";
  Reset(options);
  EXPECT_EQ(Run({"set", "a", "1"}), kOk);
  EXPECT_EQ(Run({"set", "b", "1"}), kOom);
  EXPECT_EQ(Run({"set", "b", "1", "get"}), kOom);
  EXPECT_EQ(Run({"setnx", "b", "1"}), kOom);
  EXPECT_EQ(Run({"setex", "b", "10", "1"}), kOom);
  EXPECT_EQ(Run({"getset", "b", "1"}), kOom);
  EXPECT_EQ(Run({"mset", "b", "1", "c", "2"}), kOom);
  EXPECT_EQ(Run({"msetnx", "b", "1"}), kOom);
  EXPECT_EQ(Run({"incr", "b"}), kOom);
  EXPECT_EQ(Run({"incrbyfloat", "b", "1"}), kOom);
  EXPECT_EQ(Run({"append", "b", "x"}), kOom);
  EXPECT_EQ(Run({"setrange", "b", "0", "x"}), kOom);
  EXPECT_EQ(Run({"dbsize"}), Int(1));
  // Rewriting the one key needs no new item; reads and deletes still work.
  EXPECT_EQ(Run({"set", "a", "2"}), kOk);
  EXPECT_EQ(Run({"incr", "a"}), Int(3));
  EXPECT_EQ(Run({"get", "a"}), Bulk("3"));
  EXPECT_EQ(Run({"del", "a"}), Int(1));
  EXPECT_EQ(Run({"set", "b", "1"}), kOk);
}

TEST_F(StringCommandsTest, WritesAnswerOomOverMaxMemory) {
  CacheOptions options;
  options.shards = 4;
  // 44 + 1 + 19 = 64 bytes, a full jemalloc class: one more byte takes the next (80).
  const std::string v = "0123456789abcdefghi";
  static_assert(Entry::Charge(1, 19) < Entry::Charge(1, 20));
  options.max_bytes = Entry::Charge(1, v.size());
  options.eviction_policy = "noeviction";
  Reset(options);
  EXPECT_EQ(Run({"set", "a", v}), kOk);
  EXPECT_EQ(Run({"append", "a", "x"}), kOom);
  EXPECT_EQ(Run({"get", "a"}), Bulk(v));
  EXPECT_EQ(Run({"set", "b", "x"}), kOom);
  EXPECT_EQ(Run({"set", "a", std::string(100, 'x')}), kOom);
  EXPECT_EQ(Run({"set", "a", "small"}), kOk);  // shrinking is never refused
}

}  // namespace
}  // namespace cairn::test
