// SUBSCRIBE ... PUBSUB through the dispatcher: Redis 7.0 replies, the pub/sub-mode gate, PING
// and RESET in pub/sub mode, and delivery to the connection's Subscriber.
#include <gtest/gtest.h>

#include "observability_fixture.h"

namespace cairn::test {
namespace {

using PubSubCommandTest = ObservabilityCommandTest;

constexpr std::string_view kContextError =
    "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

TEST_F(PubSubCommandTest, SubscribePublishUnsubscribe) {
  EXPECT_EQ(Run({"SUBSCRIBE", "a", "b"}), Sub("subscribe", "a", 1) + Sub("subscribe", "b", 2));
  EXPECT_TRUE(client_.in_pubsub());
  EXPECT_EQ(client_.sub_channels, 2u);
  EXPECT_EQ(Run({"SUBSCRIBE", "a"}), Sub("subscribe", "a", 2));  // already: count unchanged

  EXPECT_EQ(Other({"PUBLISH", "a", "hello"}), Int(1));
  EXPECT_EQ(Other({"PUBLISH", "nobody", "x"}), Int(0));
  EXPECT_EQ(mine_.Take(), (std::vector<Recorder::Msg>{{"a", "hello"}}));

  EXPECT_EQ(Run({"UNSUBSCRIBE", "a", "zz"}),
            Sub("unsubscribe", "a", 1) + Sub("unsubscribe", "zz", 1));
  // Without arguments: every channel, in order, counting down.
  EXPECT_EQ(Run({"SUBSCRIBE", "c"}), Sub("subscribe", "c", 2));
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), Sub("unsubscribe", "b", 1) + Sub("unsubscribe", "c", 0));
  EXPECT_FALSE(client_.in_pubsub());
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), Arr({Bulk("unsubscribe"), std::string(kNil), Int(0)}));
  EXPECT_EQ(Run({"PUNSUBSCRIBE"}), Arr({Bulk("punsubscribe"), std::string(kNil), Int(0)}));
  EXPECT_EQ(Other({"PUBLISH", "b", "gone"}), Int(0));
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
}

TEST_F(PubSubCommandTest, PatternsCountWithChannels) {
  EXPECT_EQ(Run({"PSUBSCRIBE", "news.*", "x?z"}),
            Sub("psubscribe", "news.*", 1) + Sub("psubscribe", "x?z", 2));
  EXPECT_EQ(Run({"SUBSCRIBE", "news.tech"}), Sub("subscribe", "news.tech", 3));
  EXPECT_EQ(Other({"PUBLISH", "news.tech", "m"}), Int(2));  // channel and pattern: twice
  EXPECT_EQ(mine_.Take().size(), 2u);
  // UNSUBSCRIBE with no channel left but patterns: nil, the pattern count.
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), Sub("unsubscribe", "news.tech", 2));
  EXPECT_EQ(Run({"UNSUBSCRIBE"}), Arr({Bulk("unsubscribe"), std::string(kNil), Int(2)}));
  EXPECT_EQ(Run({"PUNSUBSCRIBE", "news.*"}), Sub("punsubscribe", "news.*", 1));
  EXPECT_EQ(Run({"PUNSUBSCRIBE"}), Sub("punsubscribe", "x?z", 0));
  EXPECT_EQ(hub_.NumPat(), 0u);
}

TEST_F(PubSubCommandTest, PubSubModeAllowsOnlyPubSubCommands) {
  ASSERT_EQ(Run({"SUBSCRIBE", "ch"}), Sub("subscribe", "ch", 1));
  EXPECT_EQ(Run({"GET", "k"}), Err("ERR Can't execute 'get" + std::string(kContextError)));
  EXPECT_EQ(Run({"CONFIG", "GET", "x"}),
            Err("ERR Can't execute 'config|get" + std::string(kContextError)));
  EXPECT_EQ(Run({"PING"}), Arr({Bulk("pong"), Bulk("")}));
  EXPECT_EQ(Run({"PING", "hi"}), Arr({Bulk("pong"), Bulk("hi")}));
  EXPECT_EQ(Run({"PSUBSCRIBE", "p*"}), Sub("psubscribe", "p*", 2));
  EXPECT_EQ(table_.Find("get")->stats.rejected_calls.load(), 1u);
  // RESET leaves pub/sub mode and drops every subscription.
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(client_.in_pubsub());
  EXPECT_EQ(hub_.NumSub("ch"), 0u);
  EXPECT_EQ(hub_.NumPat(), 0u);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
}

TEST_F(PubSubCommandTest, Resp3ConnectionsAreNotRestricted) {
  client_.resp = 3;
  ASSERT_EQ(Run({"SUBSCRIBE", "ch"}), ">" + Sub("subscribe", "ch", 1).substr(1));  // a push
  EXPECT_EQ(Run({"GET", "k"}), "_\r\n");
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
}

TEST_F(PubSubCommandTest, Introspection) {
  ASSERT_EQ(Run({"SUBSCRIBE", "chan:1", "chan:2", "other"}).empty(), false);
  ASSERT_EQ(Other({"SUBSCRIBE", "chan:1"}), Sub("subscribe", "chan:1", 1));
  ASSERT_EQ(Other({"PSUBSCRIBE", "p.*"}), Sub("psubscribe", "p.*", 2));
  ClientState third;
  EXPECT_EQ(RunAs(third, {"PUBSUB", "CHANNELS"}),
            Arr({Bulk("chan:1"), Bulk("chan:2"), Bulk("other")}));
  EXPECT_EQ(RunAs(third, {"PUBSUB", "CHANNELS", "chan:*"}), Arr({Bulk("chan:1"), Bulk("chan:2")}));
  EXPECT_EQ(RunAs(third, {"PUBSUB", "NUMSUB", "chan:1", "none"}),
            Arr({Bulk("chan:1"), Int(2), Bulk("none"), Int(0)}));
  EXPECT_EQ(RunAs(third, {"PUBSUB", "NUMSUB"}), "*0\r\n");
  EXPECT_EQ(RunAs(third, {"PUBSUB", "NUMPAT"}), Int(1));
  EXPECT_EQ(RunAs(third, {"PUBSUB", "SHARDCHANNELS"}), "*0\r\n");
  EXPECT_EQ(RunAs(third, {"PUBSUB", "NOPE"}),
            Err("ERR unknown subcommand 'NOPE'. Try PUBSUB HELP."));
  EXPECT_EQ(RunAs(third, {"PUBSUB", "CHANNELS", "a", "b"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
                "HELP."));
  EXPECT_EQ(RunAs(third, {"PUBSUB"}), Arity("pubsub"));
  EXPECT_EQ(RunAs(third, {"PUBLISH", "x"}), Arity("publish"));
  EXPECT_EQ(RunAs(third, {"SUBSCRIBE"}), Arity("subscribe"));
  EXPECT_TRUE(RunAs(third, {"PUBSUB", "HELP"}).starts_with("*14\r\n+PUBSUB <subcommand>"));
}

TEST_F(PubSubCommandTest, WithoutAHubSubscribeIsAnError) {
  server_.observability_ = nullptr;
  EXPECT_EQ(Run({"SUBSCRIBE", "a"}), Err("ERR pub/sub is not available on this server"));
  EXPECT_EQ(Run({"PUBLISH", "a", "x"}), Int(0));
  EXPECT_FALSE(client_.in_pubsub());
}

}  // namespace
}  // namespace cairn::test
