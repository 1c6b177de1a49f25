// A real server with a pub/sub hub and a MONITOR feed: pushes reach connections that send
// nothing, in order; a subscriber that stops reading is closed at its output limit without
// stalling the publisher; closing a connection leaves the hub; subscribers and monitors are
// exempt from the idle timeout; a normal client's replies are bounded by
// client-output-buffer-limit normal; CLIENT LIST / KILL TYPE pubsub follow the subscriptions.
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "cairn/command/observability.h"
#include "cairn/pubsub/monitor_feed.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "server_fixture.h"

namespace cairn::testing {
namespace {

std::string Message(std::string_view channel, std::string_view payload) {
  return "*3\r\n" + Bulk("message") + Bulk(channel) + Bulk(payload);
}

class PubSubSessionTest : public ServerTest {
 protected:
  ~PubSubSessionTest() override {
    // Sessions leave the hub when they end: stop and destroy the server while the hub lives.
    if (server_) server_->Stop();
    server_.reset();
  }

  template <typename Tweak>
  void StartWithPubSub(Tweak tweak) {
    obs_.pubsub = &hub_;
    obs_.monitors = &monitors_;
    Start(tweak);
    server_->SetObservability(&obs_);
  }
  void StartWithPubSub() {
    StartWithPubSub([](ServerOptions&) {});
  }

  PubSubHub hub_;
  MonitorFeed monitors_;
  Observability obs_;
};

TEST_F(PubSubSessionTest, PushesReachAConnectionThatSendsNothing) {
  StartWithPubSub();
  auto sub = Connect();
  auto pub = Connect();
  ASSERT_EQ(sub->Call({"SUBSCRIBE", "ch"}), "*3\r\n" + Bulk("subscribe") + Bulk("ch") + ":1\r\n");
  EXPECT_EQ(pub->Call({"PUBLISH", "ch", "hello"}), ":1\r\n");
  EXPECT_EQ(sub->Read(), Message("ch", "hello"));
  EXPECT_EQ(pub->Call({"PUBLISH", "ch", "again"}), ":1\r\n");
  EXPECT_EQ(sub->Read(), Message("ch", "again"));
  EXPECT_EQ(sub->Call({"PING"}), "*2\r\n" + Bulk("pong") + Bulk(""));
  const std::string list = pub->Call({"CLIENT", "LIST"});
  EXPECT_NE(list.find("flags=P db=0 sub=1 psub=0"), std::string::npos) << list;
}

TEST_F(PubSubSessionTest, ManyMessagesArriveInOrder) {
  StartWithPubSub();
  auto sub = Connect();
  auto pub = Connect();
  ASSERT_EQ(sub->Call({"PSUBSCRIBE", "fan*"}).substr(0, 4), "*3\r\n");
  constexpr int kCount = 2000;
  std::string batch;
  for (int i = 0; i < kCount; ++i) batch += Resp({"PUBLISH", "fanout", std::to_string(i)});
  pub->Send(batch);
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(pub->Read(), ":1\r\n") << i;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(sub->Read(), "*4\r\n" + Bulk("pmessage") + Bulk("fan*") + Bulk("fanout") +
                               Bulk(std::to_string(i)));
  }
}

TEST_F(PubSubSessionTest, ClosingLeavesTheHub) {
  StartWithPubSub();
  auto sub = Connect();
  ASSERT_EQ(sub->Call({"SUBSCRIBE", "a", "b"}).empty(), false);
  ASSERT_EQ(sub->Read().empty(), false);  // the second confirmation
  EXPECT_EQ(hub_.NumChannels(), 2u);
  sub.reset();
  EXPECT_TRUE(WaitUntil([&] { return hub_.NumChannels() == 0; }));
  auto quitter = Connect();
  ASSERT_EQ(quitter->Call({"SUBSCRIBE", "c"}).empty(), false);
  EXPECT_EQ(quitter->Call({"QUIT"}), "+OK\r\n");
  EXPECT_TRUE(quitter->WaitClosed());
  EXPECT_TRUE(WaitUntil([&] { return hub_.NumChannels() == 0; }));
}

TEST_F(PubSubSessionTest, SlowSubscriberIsClosedAtItsLimit) {
  obs_.SetOutputLimit(ClientType::kPubSub, OutputBufferLimit{256 * 1024, 0, 0});
  StartWithPubSub();
  auto slow = Connect();
  auto pub = Connect();
  ASSERT_EQ(slow->Call({"SUBSCRIBE", "firehose"}).empty(), false);
  // The slow client never reads: once the kernel buffers are full, pushes queue up to the
  // limit and the subscriber is dropped. The publisher is never stalled.
  const std::string payload(8192, 'p');
  const std::string batch = [&] {
    std::string b;
    for (int i = 0; i < 100; ++i) b += Resp({"PUBLISH", "firehose", payload});
    return b;
  }();
  int published = 0, delivered = 0;
  while (published < 8000 && delivered == published) {  // at most 64 MB
    pub->Send(batch);
    for (int i = 0; i < 100; ++i) {
      const std::string r = pub->Read();
      ASSERT_TRUE(r == ":1\r\n" || r == ":0\r\n") << r;
      delivered += r == ":1\r\n" ? 1 : 0;
    }
    published += 100;
  }
  EXPECT_LT(delivered, published) << "never dropped";
  EXPECT_EQ(hub_.slow_subscriber_disconnections(), 1u);
  EXPECT_EQ(hub_.NumSub("firehose"), 0u);
  EXPECT_TRUE(slow->WaitClosed());
  // It got at most what was accepted before the limit, never the whole stream.
  EXPECT_LT(slow->Pending().size(), static_cast<size_t>(published) * payload.size());
  EXPECT_EQ(pub->Call({"PING"}), "+PONG\r\n");
}

TEST_F(PubSubSessionTest, MonitorStreamsCommands) {
  StartWithPubSub();
  auto mon = Connect();
  auto other = Connect();
  ASSERT_EQ(mon->Call({"MONITOR"}), "+OK\r\n");
  ASSERT_EQ(other->Call({"SET", "k", "v"}), "+OK\r\n");
  const std::string line = mon->Read();
  EXPECT_TRUE(std::regex_match(
      line,
      std::regex("\\+[0-9]+\\.[0-9]{6} \\[0 127\\.0\\.0\\.1:[0-9]+\\] \"SET\" \"k\" \"v\"\r\n")))
      << line;
  mon.reset();
  EXPECT_TRUE(WaitUntil([&] { return !monitors_.active(); }));
  EXPECT_EQ(other->Call({"PING"}), "+PONG\r\n");
}

TEST_F(PubSubSessionTest, SubscribersAreExemptFromTheIdleTimeout) {
  StartWithPubSub([](ServerOptions& o) { o.timeout_s = 10; });
  auto sub = Connect();
  auto idle = Connect();
  ASSERT_EQ(sub->Call({"SUBSCRIBE", "ch"}).empty(), false);
  ASSERT_EQ(idle->Call({"PING"}), "+PONG\r\n");
  clock_.Advance(60'000);
  EXPECT_TRUE(idle->WaitClosed());
  auto pub = Connect();
  EXPECT_EQ(pub->Call({"PUBLISH", "ch", "still here"}), ":1\r\n");
  EXPECT_EQ(sub->Read(), Message("ch", "still here"));
}

TEST_F(PubSubSessionTest, NormalClientIsClosedAtItsOutputLimit) {
  obs_.SetOutputLimit(ClientType::kNormal, OutputBufferLimit{1024 * 1024, 0, 0});
  StartWithPubSub();
  auto other = Connect();
  const std::string value(256 * 1024, 'v');
  ASSERT_EQ(other->Call({"SET", "big", value}), "+OK\r\n");
  auto greedy = Connect();
  std::string batch;
  for (int i = 0; i < 64; ++i) batch += Resp({"GET", "big"});
  greedy->Send(batch);  // 16 MB of replies in one batch: over 1 MB after the fourth
  EXPECT_TRUE(greedy->WaitClosed());
  EXPECT_LT(greedy->Pending().size(), 64 * value.size());
  EXPECT_TRUE(WaitUntil(
      [&] { return server_->counters().output_buffer_limit_disconnections.load() == 1; }));
  EXPECT_EQ(other->Call({"PING"}), "+PONG\r\n");
  // Small replies stay under it; the limit is per client.
  auto polite = Connect();
  EXPECT_EQ(polite->Call({"GET", "big"}), Bulk(value));
  EXPECT_EQ(server_->counters().output_buffer_limit_disconnections.load(), 1u);
}

TEST_F(PubSubSessionTest, NormalClientsHaveNoOutputLimitByDefault) {
  StartWithPubSub();
  auto client = Connect();
  const std::string value(256 * 1024, 'v');
  ASSERT_EQ(client->Call({"SET", "big", value}), "+OK\r\n");
  std::string batch;
  for (int i = 0; i < 64; ++i) batch += Resp({"GET", "big"});
  client->Send(batch);
  for (int i = 0; i < 64; ++i) ASSERT_EQ(client->Read().size(), Bulk(value).size()) << i;
  EXPECT_EQ(client->Call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(server_->counters().output_buffer_limit_disconnections.load(), 0u);
}

TEST_F(PubSubSessionTest, ClientTypeFollowsTheSubscriptions) {
  StartWithPubSub();
  auto sub = Connect();
  auto admin = Connect();
  const std::string id_reply = sub->Call({"CLIENT", "ID"});
  ASSERT_EQ(id_reply.front(), ':');
  const std::string sub_line = "id=" + id_reply.substr(1, id_reply.size() - 3) + " ";
  auto listed = [&](std::string_view type) {
    return admin->Call({"CLIENT", "LIST", "TYPE", type}).find(sub_line) != std::string::npos;
  };
  EXPECT_TRUE(listed("normal"));
  EXPECT_FALSE(listed("pubsub"));
  ASSERT_FALSE(sub->Call({"PSUBSCRIBE", "p*"}).empty());
  // CLIENT LIST shows the state republished after the subscriber's batch.
  EXPECT_TRUE(WaitUntil([&] { return listed("pubsub"); }));
  EXPECT_FALSE(listed("normal"));
  EXPECT_FALSE(listed("replica"));
  EXPECT_EQ(admin->Call({"CLIENT", "KILL", "TYPE", "normal"}), ":0\r\n");  // SKIPME yes
  EXPECT_EQ(admin->Call({"CLIENT", "KILL", "TYPE", "pubsub"}), ":1\r\n");
  EXPECT_TRUE(sub->WaitClosed());
  EXPECT_TRUE(WaitUntil([&] { return !listed("pubsub"); }));
}

}  // namespace
}  // namespace cairn::testing
