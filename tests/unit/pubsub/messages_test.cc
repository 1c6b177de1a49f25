#include "cairn/pubsub/messages.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(PubSubMessagesTest, MessageFrame) {
  std::string out;
  AppendPubSubMessage(out, MessageKind::kMessage, "", "news", "hello");
  EXPECT_EQ(out, "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  EXPECT_EQ(PubSubMessageSize(MessageKind::kMessage, "", "news", "hello"), out.size());
}

TEST(PubSubMessagesTest, PMessageFrameIsBinarySafe) {
  std::string out = "prefix";
  const std::string payload("a\r\nb\0c", 6);
  AppendPubSubMessage(out, MessageKind::kPMessage, "n*", "news", payload);
  const char kExpected[] =
      "prefix*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$6\r\na\r\nb\0c\r\n";
  EXPECT_EQ(out, std::string(kExpected, sizeof(kExpected) - 1));
  EXPECT_EQ(PubSubMessageSize(MessageKind::kPMessage, "n*", "news", payload), out.size() - 6);
  const std::string big(12345, 'x');
  std::string out2;
  AppendPubSubMessage(out2, MessageKind::kPMessage, "p", big, big);
  EXPECT_EQ(PubSubMessageSize(MessageKind::kPMessage, "p", big, big), out2.size());
}

TEST(PubSubMessagesTest, RawIsAppendedAsIs) {
  std::string out = "x";
  AppendPubSubMessage(out, MessageKind::kRaw, "ignored", "ignored", "+line\r\n");
  EXPECT_EQ(out, "x+line\r\n");
  EXPECT_EQ(PubSubMessageSize(MessageKind::kRaw, "ignored", "ignored", "+line\r\n"), 7u);
}

TEST(PubSubMessagesTest, SubscriptionReplies) {
  std::string out;
  AppendSubscriptionReply(out, "subscribe", "news", 1);
  EXPECT_EQ(out, "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  out.clear();
  AppendSubscriptionReply(out, "unsubscribe", std::nullopt, 0);
  EXPECT_EQ(out, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
}

}  // namespace
}  // namespace cairn
