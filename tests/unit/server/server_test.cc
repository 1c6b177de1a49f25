// The network layer end to end: a real Server on 127.0.0.1:0 and blocking clients speaking raw
// RESP. Every wait is bounded (test_client.h); the idle timeout is driven by a ManualClock.
#include <string>

#include <gtest/gtest.h>

#include "server_fixture.h"

namespace cairn::testing {
namespace {

TEST_F(ServerTest, PipelinedCommandsGetOneReplyEachInOrder) {
  Start();
  auto c = Connect();
  std::string batch;
  for (int i = 0; i < 500; ++i) {
    batch += Resp({"SET", "k" + std::to_string(i), "v" + std::to_string(i)});
  }
  for (int i = 0; i < 500; ++i) batch += Resp({"GET", "k" + std::to_string(i)});
  c->Send(batch);  // 1000 commands in one write
  for (int i = 0; i < 500; ++i) ASSERT_EQ(c->Read(), "+OK\r\n") << i;
  for (int i = 0; i < 500; ++i) ASSERT_EQ(c->Read(), Bulk("v" + std::to_string(i))) << i;
  EXPECT_FALSE(c->HasData(0));
  EXPECT_EQ(server_->counters().total_commands.load(), 1000u);
  EXPECT_EQ(cache_->Size(), 500u);
}

TEST_F(ServerTest, InlineCommandsWork) {
  Start();
  auto c = Connect();
  c->Send("PING\r\nSET greeting \"hello world\"\r\n\r\nGET greeting\r\n");
  EXPECT_EQ(c->Read(), "+PONG\r\n");
  EXPECT_EQ(c->Read(), "+OK\r\n");
  EXPECT_EQ(c->Read(), Bulk("hello world"));  // the empty line got no reply
}

TEST_F(ServerTest, LargeBinaryValueArrivingInPiecesRoundTrips) {
  Start();
  auto c = Connect();
  std::string value(3 * 1024 * 1024 + 17, 'x');
  for (size_t i = 0; i < value.size(); i += 4099) value[i] = static_cast<char>(i % 256);
  value[1] = '\0';
  value[2] = '\r';
  value[3] = '\n';
  const std::string cmd = Resp({"SET", "big", value});
  for (size_t off = 0; off < cmd.size(); off += 100'000) c->Send(cmd.substr(off, 100'000));
  EXPECT_EQ(c->Read(), "+OK\r\n");
  EXPECT_EQ(c->Call({"GET", "big"}), Bulk(value));
  EXPECT_EQ(c->Call({"STRLEN", "big"}), ":" + std::to_string(value.size()) + "\r\n");
}

TEST_F(ServerTest, ProtocolErrorClosesOnlyThatClient) {
  Start();
  auto bad = Connect();
  auto good = Connect();
  bad->Send("PING\r\n*1\r\n$abc\r\nPING\r\n");
  EXPECT_EQ(bad->Read(), "+PONG\r\n");  // commands before the error still run
  const std::string err = bad->Read();
  EXPECT_EQ(err.rfind("-ERR Protocol error", 0), 0u) << err;
  EXPECT_TRUE(bad->WaitClosed());
  EXPECT_EQ(bad->Pending(), "");  // nothing after the error
  EXPECT_EQ(good->Call({"PING"}), "+PONG\r\n");
}

TEST_F(ServerTest, QuitRepliesOkClosesAndIgnoresTheRestOfTheBatch) {
  Start();
  auto c = Connect();
  c->Send(Resp({"QUIT"}) + Resp({"SET", "after-quit", "1"}));
  EXPECT_EQ(c->Read(), "+OK\r\n");
  EXPECT_TRUE(c->WaitClosed());
  EXPECT_EQ(c->Pending(), "");
  EXPECT_FALSE(cache_->Exists("after-quit"));
}

TEST_F(ServerTest, QueryBufferLimitClosesTheClient) {
  Start();
  server_->SetClientQueryBufferLimit(4096);
  auto c = Connect();
  auto other = Connect();
  // A bulk announced as 100000 bytes, of which 8000 arrive: over the limit while incomplete.
  c->Send("*2\r\n$4\r\nECHO\r\n$100000\r\n" + std::string(8000, 'a'));
  EXPECT_TRUE(c->WaitClosed());
  EXPECT_EQ(c->Pending(), "");
  EXPECT_EQ(other->Call({"PING"}), "+PONG\r\n");
  EXPECT_TRUE(WaitUntil([&] { return server_->connected_clients() == 1; }));
}

TEST_F(ServerTest, MaxClientsRejectsTheExtraConnection) {
  Start([](ServerOptions& o) { o.maxclients = 2; });
  auto a = Connect();
  auto b = Connect();
  ASSERT_EQ(a->Call({"PING"}), "+PONG\r\n");
  ASSERT_EQ(b->Call({"PING"}), "+PONG\r\n");
  auto c = Connect();
  EXPECT_EQ(c->Read(), "-ERR max number of clients reached\r\n");
  EXPECT_TRUE(c->WaitClosed());
  EXPECT_TRUE(WaitUntil([&] { return server_->counters().rejected_connections.load() == 1; }));
  EXPECT_EQ(server_->counters().total_connections.load(), 2u);

  // Once a client leaves there is room again.
  a->Send(Resp({"QUIT"}));
  EXPECT_TRUE(a->WaitClosed());
  ASSERT_TRUE(WaitUntil([&] { return server_->connected_clients() == 1; }));
  auto d = Connect();
  EXPECT_EQ(d->Call({"PING"}), "+PONG\r\n");
}

TEST_F(ServerTest, AuthGatesCommandsUntilTheRightPassword) {
  Start([](ServerOptions& o) { o.requirepass = "s3cret"; });
  auto c = Connect();
  EXPECT_EQ(c->Call({"SET", "k", "v"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(c->Call({"AUTH", "wrong"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c->Call({"AUTH", "nobody", "s3cret"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c->Call({"AUTH", "s3cret"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_FALSE(cache_->Exists("other"));

  auto d = Connect();
  EXPECT_EQ(d->Call({"AUTH", "default", "s3cret"}), "+OK\r\n");
  EXPECT_EQ(d->Call({"GET", "k"}), Bulk("v"));
  // RESET drops the authentication.
  EXPECT_EQ(d->Call({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(d->Call({"GET", "k"}), "-NOAUTH Authentication required.\r\n");
}

TEST_F(ServerTest, UnauthenticatedClientsCannotSendLargeRequests) {
  Start([](ServerOptions& o) { o.requirepass = "pw"; });
  auto c = Connect();
  c->Send("*20\r\n");
  const std::string err = c->Read();
  EXPECT_EQ(err.rfind("-ERR Protocol error", 0), 0u) << err;
  EXPECT_TRUE(c->WaitClosed());

  auto d = Connect();  // once authenticated, the same request is fine
  EXPECT_EQ(d->Call({"AUTH", "pw"}), "+OK\r\n");
  std::string big = "*20\r\n" + Bulk("ECHO");
  for (int i = 0; i < 19; ++i) big += Bulk("arg");
  d->Send(big);
  EXPECT_EQ(d->Read(), "-ERR wrong number of arguments for 'echo' command\r\n");
}

TEST_F(ServerTest, RequirePassChangedAtRunTime) {
  Start();
  auto before = Connect();
  ASSERT_EQ(before->Call({"PING"}), "+PONG\r\n");
  ASSERT_EQ(before->Call({"CONFIG", "SET", "requirepass", "later"}), "+OK\r\n");
  // Connections made before keep their access (Redis does the same); new ones must AUTH.
  EXPECT_EQ(before->Call({"SET", "a", "1"}), "+OK\r\n");
  auto after = Connect();
  EXPECT_EQ(after->Call({"GET", "a"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(after->Call({"AUTH", "later"}), "+OK\r\n");
  EXPECT_EQ(after->Call({"GET", "a"}), Bulk("1"));
}

TEST_F(ServerTest, ClientReplyOffAndSkip) {
  Start();
  auto c = Connect();
  c->Send(Resp({"CLIENT", "REPLY", "OFF"}) + Resp({"SET", "a", "1"}) + Resp({"GET", "a"}) +
          Resp({"CLIENT", "REPLY", "ON"}) + Resp({"GET", "a"}));
  EXPECT_EQ(c->Read(), "+OK\r\n");  // CLIENT REPLY ON's
  EXPECT_EQ(c->Read(), Bulk("1"));
  EXPECT_FALSE(c->HasData(0));
  c->Send(Resp({"CLIENT", "REPLY", "SKIP"}) + Resp({"SET", "b", "2"}) + Resp({"GET", "b"}));
  EXPECT_EQ(c->Read(), Bulk("2"));
  EXPECT_TRUE(cache_->Exists("a"));
}

TEST_F(ServerTest, IdleClientsAreClosedAfterTimeout) {
  Start([](ServerOptions& o) { o.timeout_s = 10; });
  auto idle = Connect();
  ASSERT_EQ(idle->Call({"PING"}), "+PONG\r\n");
  clock_.Advance(5'000);
  auto fresh = Connect();  // connected at t+5s
  ASSERT_EQ(fresh->Call({"PING"}), "+PONG\r\n");
  clock_.Advance(5'001);  // idle for 10.001s, fresh for 5.001s
  EXPECT_TRUE(idle->WaitClosed());
  EXPECT_EQ(fresh->Call({"PING"}), "+PONG\r\n");
}

TEST_F(ServerTest, DebugSleepPausesOnlyThatConnection) {
  Start([](ServerOptions& o) { o.io_threads = 1; });  // both clients on the same I/O thread
  auto sleeper = Connect();
  auto other = Connect();
  const std::string id = sleeper->Call({"CLIENT", "ID"});
  sleeper->Send(Resp({"DEBUG", "SLEEP", "30"}) + Resp({"PING"}));
  // The other client is served while the sleeper waits.
  EXPECT_EQ(other->Call({"PING"}), "+PONG\r\n");
  EXPECT_FALSE(sleeper->HasData(0));
  EXPECT_EQ(other->Call({"CLIENT", "KILL", "ID", id.substr(1, id.size() - 3)}), ":1\r\n");
  EXPECT_TRUE(sleeper->WaitClosed());
  EXPECT_EQ(sleeper->Pending(), "");
}

TEST_F(ServerTest, ShutdownCommandClosesWithoutReplyAndSignalsTheOwner) {
  Start();
  auto c = Connect();
  auto watcher = Connect();
  ASSERT_EQ(watcher->Call({"PING"}), "+PONG\r\n");
  EXPECT_FALSE(server_->shutdown_requested());
  c->Send(Resp({"SHUTDOWN", "NOSAVE"}));
  EXPECT_TRUE(c->WaitClosed());
  EXPECT_EQ(c->Pending(), "");
  server_->WaitForShutdown();  // returns at once: the request is recorded
  EXPECT_TRUE(server_->shutdown_requested());
  server_->Stop();
  EXPECT_TRUE(watcher->WaitClosed());
}

TEST_F(ServerTest, StopClosesConnectionsAndRefusesNewOnes) {
  Start();
  auto c = Connect();
  ASSERT_EQ(c->Call({"PING"}), "+PONG\r\n");
  const uint16_t port = server_->port();
  server_->Stop();
  EXPECT_TRUE(c->WaitClosed());
  EXPECT_EQ(server_->connected_clients(), 0u);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  EXPECT_TRUE(ec);
}

TEST_F(ServerTest, ListensOnEveryAvailableBindAddress) {
  Start([](ServerOptions& o) { o.bind = {"127.0.0.1", "::1"}; });
  const auto addrs = server_->listen_addresses();
  ASSERT_GE(addrs.size(), 1u);  // ::1 is skipped where the machine has no IPv6
  const std::string port = std::to_string(server_->port());
  EXPECT_EQ(addrs[0], "127.0.0.1:" + port);
  if (addrs.size() == 2) {
    EXPECT_EQ(addrs[1], "[::1]:" + port);
  }
}

TEST_F(ServerTest, CountsBytesAndConnections) {
  Start();
  auto c = Connect();
  const std::string cmd = Resp({"PING"});
  ASSERT_EQ(c->Call({"PING"}), "+PONG\r\n");
  EXPECT_TRUE(WaitUntil([&] { return server_->counters().net_output_bytes.load() == 7; }));
  EXPECT_EQ(server_->counters().net_input_bytes.load(), cmd.size());
  EXPECT_EQ(server_->counters().total_connections.load(), 1u);
}

}  // namespace
}  // namespace cairn::testing
