// ReplyBuilder: the exact RESP2 bytes of every method (as redis-server 7.0 sends them).
#include "cairn/protocol/reply_builder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "cairn/protocol/resp_parser.h"

namespace cairn {
namespace {

using namespace std::string_literals;

class ReplyBuilderTest : public ::testing::Test {
 protected:
  std::string out_;
  ReplyBuilder rb_{out_};
};

TEST_F(ReplyBuilderTest, SimpleStringAndOk) {
  rb_.SimpleString("PONG");
  rb_.Ok();
  rb_.SimpleString("");
  EXPECT_EQ(out_, "+PONG\r\n+OK\r\n+\r\n");
}

TEST_F(ReplyBuilderTest, ErrorIsWrittenWithItsCode) {
  rb_.Error("ERR syntax error");
  rb_.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_EQ(out_,
            "-ERR syntax error\r\n"
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST_F(ReplyBuilderTest, ErrorNewlinesBecomeSpaces) {
  out_ = "+OK\r\n";  // what was there before is left alone
  rb_.Error("ERR unknown command 'a\r\nb\n'");
  EXPECT_EQ(out_, "+OK\r\n-ERR unknown command 'a  b '\r\n");
}

TEST_F(ReplyBuilderTest, Integers) {
  rb_.Integer(0);
  rb_.Integer(1);
  rb_.Integer(-1);
  rb_.Integer(1234567890123);
  rb_.Integer(std::numeric_limits<int64_t>::max());
  rb_.Integer(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(out_,
            ":0\r\n:1\r\n:-1\r\n:1234567890123\r\n:9223372036854775807\r\n"
            ":-9223372036854775808\r\n");
}

TEST_F(ReplyBuilderTest, BulkIsBinarySafe) {
  rb_.Bulk("hello");
  rb_.Bulk("");
  rb_.Bulk("a\r\n\0b"s);
  EXPECT_EQ(out_, "$5\r\nhello\r\n$0\r\n\r\n$5\r\na\r\n\0b\r\n"s);
}

TEST_F(ReplyBuilderTest, NullsAndArrays) {
  rb_.Null();
  rb_.NullArray();
  rb_.ArrayHeader(0);
  rb_.ArrayHeader(2);
  rb_.Bulk("a");
  rb_.Integer(7);
  rb_.ArrayHeader(123456789012u);
  EXPECT_EQ(out_, "$-1\r\n*-1\r\n*0\r\n*2\r\n$1\r\na\r\n:7\r\n*123456789012\r\n");
}

// Values checked against redis-server 7.0: SET x 0, INCRBYFLOAT x <v>.
TEST_F(ReplyBuilderTest, BulkDoubleFormatsLikeIncrbyfloat) {
  const std::pair<long double, std::string> cases[] = {
      {10.5L, "10.5"},
      {5000.0L, "5000"},
      {3.0e-5L, "0.00003"},
      {-0.0L, "0"},
      {0.1L, "0.1"},
      {1e-20L, "0"},
      {123456789012345678.0L, "123456789012345678"},
      {1.0L + 0.3333333333333333333333L, "1.33333333333333333"},
  };
  for (const auto& [v, text] : cases) {
    out_.clear();
    rb_.BulkDouble(v);
    EXPECT_EQ(out_, "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n") << text;
  }
}

TEST_F(ReplyBuilderTest, BulkSpaceIsFilledInPlace) {
  rb_.Integer(1);
  char* p = rb_.BulkSpace(5);
  std::memcpy(p, "value", 5);
  rb_.BulkSpace(0);
  EXPECT_EQ(out_, ":1\r\n$5\r\nvalue\r\n$0\r\n\r\n");
}

TEST_F(ReplyBuilderTest, SizeTruncateAndBuffer) {
  rb_.Ok();
  const size_t mark = rb_.size();
  EXPECT_EQ(mark, 5u);
  rb_.Bulk("dropped");
  rb_.Truncate(mark);
  EXPECT_EQ(out_, "+OK\r\n");
  EXPECT_EQ(&rb_.buffer(), &out_);
}

// What the builder writes, read back by the request parser (same framing for arrays of bulks).
TEST_F(ReplyBuilderTest, ArrayOfBulksIsAValidMultibulk) {
  rb_.ArrayHeader(3);
  rb_.Bulk("SET");
  rb_.Bulk("k\r\n");
  rb_.Bulk(std::string(100000, 'v'));
  RespParser parser;
  CommandArgs args;
  ParseResult r = parser.Parse(out_, args);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, out_.size());
  ASSERT_EQ(args.argv.size(), 3u);
  EXPECT_EQ(args.argv[1], "k\r\n");
  EXPECT_EQ(args.argv[2].size(), 100000u);
}

}  // namespace
}  // namespace cairn
