// ReplyBuilder: the RESP3 bytes of every semantic call and their RESP2 fallbacks (Redis 7.0's
// addReplyNull / MapLen / SetLen / PushLen / Double / Bool / BigNum / Verbatim), the deferred
// aggregate header and the error count.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "cairn/protocol/reply_builder.h"

namespace cairn {
namespace {

struct Bytes {
  std::string resp2, resp3;
};

// Runs `write` against a RESP2 and a RESP3 builder and returns both outputs.
template <typename F>
Bytes Both(F write) {
  Bytes b;
  ReplyBuilder r2(b.resp2, 2);
  ReplyBuilder r3(b.resp3, 3);
  write(r2);
  write(r3);
  return b;
}

TEST(ReplyBuilderResp3Test, ProtocolIsSwitchable) {
  std::string out;
  ReplyBuilder rb(out);
  EXPECT_EQ(rb.resp(), 2);
  EXPECT_FALSE(rb.resp3());
  rb.Null();
  rb.set_resp(3);
  EXPECT_EQ(rb.resp(), 3);
  rb.Null();
  rb.set_resp(2);
  rb.Null();
  EXPECT_EQ(out, "$-1\r\n_\r\n$-1\r\n");
}

TEST(ReplyBuilderResp3Test, Nulls) {
  const Bytes b = Both([](ReplyBuilder& r) {
    r.Null();
    r.NullArray();
  });
  EXPECT_EQ(b.resp2, "$-1\r\n*-1\r\n");
  EXPECT_EQ(b.resp3, "_\r\n_\r\n");
}

TEST(ReplyBuilderResp3Test, CommonTypesAreTheSameInBothProtocols) {
  const Bytes b = Both([](ReplyBuilder& r) {
    r.Ok();
    r.SimpleString("PONG");
    r.Error("ERR x");
    r.Integer(-3);
    r.Bulk("v");
    r.ArrayHeader(2);
    r.BulkDouble(2.5L);  // INCRBYFLOAT: a bulk in RESP3 too, as in Redis 7.0
  });
  EXPECT_EQ(b.resp2, b.resp3);
  EXPECT_EQ(b.resp3, "+OK\r\n+PONG\r\n-ERR x\r\n:-3\r\n$1\r\nv\r\n*2\r\n$3\r\n2.5\r\n");
}

TEST(ReplyBuilderResp3Test, Aggregates) {
  const Bytes b = Both([](ReplyBuilder& r) {
    r.MapHeader(2);
    r.SetHeader(3);
    r.PushHeader(4);
    r.MapHeader(0);
  });
  EXPECT_EQ(b.resp2, "*4\r\n*3\r\n*4\r\n*0\r\n");
  EXPECT_EQ(b.resp3, "%2\r\n~3\r\n>4\r\n%0\r\n");
}

TEST(ReplyBuilderResp3Test, DoublesLikeAddReplyDouble) {
  const Bytes b = Both([](ReplyBuilder& r) {
    r.Double(1.5);
    r.Double(0.1);
    r.Double(-2);
    r.Double(std::numeric_limits<double>::infinity());
    r.Double(-std::numeric_limits<double>::infinity());
  });
  EXPECT_EQ(b.resp2,
            "$3\r\n1.5\r\n$19\r\n0.10000000000000001\r\n$2\r\n-2\r\n$3\r\ninf\r\n$4\r\n-inf\r\n");
  EXPECT_EQ(b.resp3, ",1.5\r\n,0.10000000000000001\r\n,-2\r\n,inf\r\n,-inf\r\n");
}

TEST(ReplyBuilderResp3Test, BooleansBigNumbersAndVerbatim) {
  const Bytes b = Both([](ReplyBuilder& r) {
    r.Boolean(true);
    r.Boolean(false);
    r.BigNumber("3492890328409238509324850943850943825024385");
    r.Verbatim("a\r\nb");
    r.Verbatim("", "mkd");
  });
  EXPECT_EQ(b.resp2,
            ":1\r\n:0\r\n$43\r\n3492890328409238509324850943850943825024385\r\n$4\r\na\r\nb\r\n"
            "$0\r\n\r\n");
  EXPECT_EQ(b.resp3,
            "#t\r\n#f\r\n(3492890328409238509324850943850943825024385\r\n=8\r\ntxt:a\r\nb\r\n"
            "=4\r\nmkd:\r\n");
}

TEST(ReplyBuilderResp3Test, DeferredLengthIsInsertedAtTheMark) {
  const Bytes b = Both([](ReplyBuilder& r) {
    r.Ok();
    const size_t mark = r.BeginDeferred();
    r.Bulk("k");
    r.Integer(1);
    r.EndDeferred(mark, ReplyBuilder::Aggregate::kMap, 1);
    const size_t set = r.BeginDeferred();
    r.EndDeferred(set, ReplyBuilder::Aggregate::kSet, 0);
    const size_t arr = r.BeginDeferred();
    r.Bulk("x");
    r.EndDeferred(arr, ReplyBuilder::Aggregate::kArray, 1);
    const size_t push = r.BeginDeferred();
    r.EndDeferred(push, ReplyBuilder::Aggregate::kPush, 0);
  });
  EXPECT_EQ(b.resp2, "+OK\r\n*2\r\n$1\r\nk\r\n:1\r\n*0\r\n*1\r\n$1\r\nx\r\n*0\r\n");
  EXPECT_EQ(b.resp3, "+OK\r\n%1\r\n$1\r\nk\r\n:1\r\n~0\r\n*1\r\n$1\r\nx\r\n>0\r\n");
}

TEST(ReplyBuilderResp3Test, InsertAtWritesInTheSameProtocol) {
  const Bytes b = Both([](ReplyBuilder& r) {
    const size_t mark = r.BeginDeferred();
    r.Bulk("key");
    r.InsertAt(mark, [](ReplyBuilder& head) {
      head.MapHeader(1);
      head.Null();
    });
  });
  EXPECT_EQ(b.resp2, "*2\r\n$-1\r\n$3\r\nkey\r\n");
  EXPECT_EQ(b.resp3, "%1\r\n_\r\n$3\r\nkey\r\n");
}

TEST(ReplyBuilderResp3Test, CountsErrors) {
  std::string out;
  ReplyBuilder rb(out, 3);
  EXPECT_EQ(rb.errors(), 0u);
  rb.Bulk("-not an error");
  rb.Error("ERR one");
  rb.InsertAt(0, [](ReplyBuilder& head) { head.Error("ERR two"); });
  EXPECT_EQ(rb.errors(), 2u);
  rb.Truncate(0);  // dropping bytes does not uncount what was written
  EXPECT_EQ(rb.errors(), 2u);
}

}  // namespace
}  // namespace cairn
