#include "cairn/pubsub/monitor_feed.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "fake_subscriber.h"

namespace cairn::pubsub_test {
namespace {

std::string Repr(std::string_view s) {
  std::string out;
  AppendQuotedRepr(out, s);
  return out;
}

TEST(MonitorFeedTest, QuotesLikeSdscatrepr) {
  EXPECT_EQ(Repr("plain text"), "\"plain text\"");
  EXPECT_EQ(Repr("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Repr("\n\r\t\a\b"), "\"\\n\\r\\t\\a\\b\"");
  EXPECT_EQ(Repr(std::string_view("\x00\x7f\xff~", 4)), "\"\\x00\\x7f\\xff~\"");
  EXPECT_EQ(Repr(""), "\"\"");
}

TEST(MonitorFeedTest, LineFormat) {
  std::string line;
  const std::vector<std::string_view> args{"SET", "k", "v 1"};
  AppendMonitorLine(line, 1700000000012345, "127.0.0.1:5000", args);
  EXPECT_EQ(line, "1700000000.012345 [0 127.0.0.1:5000] \"SET\" \"k\" \"v 1\"");
}

TEST(MonitorFeedTest, FeedsEveryMonitorAndDropsRefusers) {
  MonitorFeed feed;
  FakeSubscriber a, refuses(/*capacity=*/1);
  EXPECT_FALSE(feed.active());
  EXPECT_TRUE(feed.Add(&a));
  EXPECT_FALSE(feed.Add(&a));
  EXPECT_TRUE(feed.Add(&refuses));
  EXPECT_EQ(feed.size(), 2u);
  const std::vector<std::string_view> args{"PING"};
  feed.Feed(1000000, "[::1]:7", args);
  feed.Feed(2000000, "[::1]:7", args);  // `refuses` answers false: dropped
  EXPECT_EQ(feed.size(), 1u);
  ASSERT_EQ(a.got().size(), 2u);
  EXPECT_EQ(a.got()[0].kind, MessageKind::kMonitor);
  EXPECT_EQ(a.got()[1].message, "2.000000 [0 [::1]:7] \"PING\"");
  EXPECT_EQ(refuses.got().size(), 1u);
  feed.Remove(&a);
  EXPECT_FALSE(feed.active());
  feed.Feed(3000000, "x", args);
  EXPECT_EQ(a.got().size(), 2u);
}

}  // namespace
}  // namespace cairn::pubsub_test
