#include "cairn/pubsub/messages.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn {
namespace {

TEST(PubSubMessagesTest, MessageFrame) {
  std::string out;
  ReplyBuilder rb(out);
  AppendPubSubMessage(rb, MessageKind::kMessage, "", "news", "hello");
  EXPECT_EQ(out, "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  EXPECT_EQ(PubSubMessageSize(MessageKind::kMessage, "", "news", "hello"), out.size());
}

TEST(PubSubMessagesTest, Resp3MessagesArePushes) {
  std::string out;
  ReplyBuilder rb(out, 3);
  AppendPubSubMessage(rb, MessageKind::kMessage, "", "news", "hello");
  EXPECT_EQ(out, ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  EXPECT_EQ(PubSubMessageSize(MessageKind::kMessage, "", "news", "hello"), out.size());
  out.clear();
  AppendPubSubMessage(rb, MessageKind::kPMessage, "n*", "news", "x");
  EXPECT_EQ(out, ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$1\r\nx\r\n");
  EXPECT_EQ(PubSubMessageSize(MessageKind::kPMessage, "n*", "news", "x"), out.size());
}

TEST(PubSubMessagesTest, PMessageFrameIsBinarySafe) {
  std::string out = "prefix";
  ReplyBuilder rb(out);
  const std::string payload("a\r\nb\0c", 6);
  AppendPubSubMessage(rb, MessageKind::kPMessage, "n*", "news", payload);
  const char kExpected[] =
      "prefix*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$6\r\na\r\nb\0c\r\n";
  EXPECT_EQ(out, std::string(kExpected, sizeof(kExpected) - 1));
  EXPECT_EQ(PubSubMessageSize(MessageKind::kPMessage, "n*", "news", payload), out.size() - 6);
  const std::string big(12345, 'x');
  std::string out2;
  ReplyBuilder rb2(out2);
  AppendPubSubMessage(rb2, MessageKind::kPMessage, "p", big, big);
  EXPECT_EQ(PubSubMessageSize(MessageKind::kPMessage, "p", big, big), out2.size());
}

TEST(PubSubMessagesTest, MonitorLinesAreSimpleStringsInBothProtocols) {
  for (int resp : {2, 3}) {
    std::string out = "x";
    ReplyBuilder rb(out, resp);
    AppendPubSubMessage(rb, MessageKind::kMonitor, "ignored", "ignored", "1.5 [0 a] \"PING\"");
    EXPECT_EQ(out, "x+1.5 [0 a] \"PING\"\r\n");
    EXPECT_EQ(PubSubMessageSize(MessageKind::kMonitor, "ignored", "ignored", "1.5 [0 a] \"PING\""),
              out.size() - 1);
  }
}

TEST(PubSubMessagesTest, SubscriptionReplies) {
  std::string out;
  ReplyBuilder rb(out);
  AppendSubscriptionReply(rb, "subscribe", "news", 1);
  EXPECT_EQ(out, "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  out.clear();
  AppendSubscriptionReply(rb, "unsubscribe", std::nullopt, 0);
  EXPECT_EQ(out, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  out.clear();
  rb.set_resp(3);
  AppendSubscriptionReply(rb, "subscribe", "news", 1);
  AppendSubscriptionReply(rb, "unsubscribe", std::nullopt, 0);
  EXPECT_EQ(out,
            ">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
}

}  // namespace
}  // namespace cairn
