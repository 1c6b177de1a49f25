// Connection commands through the real server: replies and error texts as Redis 7.0 writes them.
#include <string>

#include <gtest/gtest.h>

#include "server_fixture.h"

namespace cairn::testing {
namespace {

TEST_F(ServerTest, PingAndEcho) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(c->Call({"ping", "hi there"}), Bulk("hi there"));
  EXPECT_EQ(c->Call({"PING", "a", "b"}), "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(c->Call({"ECHO", std::string("bin\0\r\nary", 9)}),
            Bulk(std::string("bin\0\r\nary", 9)));
  EXPECT_EQ(c->Call({"ECHO"}), "-ERR wrong number of arguments for 'echo' command\r\n");
}

TEST_F(ServerTest, SelectOnlyDatabaseZero) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"SELECT", "1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(c->Call({"SELECT", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(c->Call({"SELECT", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c->Call({"SELECT", "99999999999"}), "-ERR value is not an integer or out of range\r\n");
}

TEST_F(ServerTest, AuthWithoutPasswordConfigured) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"AUTH", "x"}),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(c->Call({"AUTH", "default", "anything"}), "+OK\r\n");  // the nopass default user
  EXPECT_EQ(c->Call({"AUTH", "a", "b", "c"}), "-ERR syntax error\r\n");
}

// HELLO's reply: a flat array in RESP2, a map in RESP3 (Redis 7.0 helloCommand).
std::string HelloReply(uint64_t id, int proto = 2) {
  return (proto == 2 ? "*14\r\n" : "%7\r\n") + Bulk("server") + Bulk("redis") + Bulk("version") +
         Bulk("7.0.0") + Bulk("proto") + ":" + std::to_string(proto) + "\r\n" + Bulk("id") + ":" +
         std::to_string(id) + "\r\n" + Bulk("mode") + Bulk("standalone") + Bulk("role") +
         Bulk("master") + Bulk("modules") + "*0\r\n";
}

TEST_F(ServerTest, HelloNegotiatesResp2AndResp3) {
  Start([](ServerOptions& o) { o.requirepass = "pw"; });
  auto c = Connect();
  const std::string id_reply = c->Call({"CLIENT", "ID"});  // refused before AUTH ...
  EXPECT_EQ(id_reply, "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(c->Call({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(c->Call({"HELLO", "1"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(c->Call({"HELLO", "two"}),
            "-ERR Protocol version is not an integer or out of range\r\n");
  EXPECT_EQ(c->Call({"HELLO", "2", "FOO"}), "-ERR Syntax error in HELLO option 'FOO'\r\n");
  EXPECT_EQ(c->Call({"HELLO", "2"}),
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time\r\n");
  EXPECT_EQ(c->Call({"HELLO", "2", "AUTH", "default", "bad"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  const std::string hello = c->Call({"HELLO", "2", "AUTH", "default", "pw", "SETNAME", "app"});
  const std::string id = c->Call({"CLIENT", "ID"});
  ASSERT_EQ(id[0], ':');
  EXPECT_EQ(hello, HelloReply(std::stoull(id.substr(1))));
  EXPECT_EQ(c->Call({"CLIENT", "GETNAME"}), Bulk("app"));
  // RESP3 from HELLO 3's own reply on; HELLO without a version keeps it; RESET returns to 2.
  EXPECT_EQ(c->Call({"HELLO", "3"}), HelloReply(std::stoull(id.substr(1)), 3));
  EXPECT_EQ(c->Call({"GET", "missing"}), "_\r\n");
  EXPECT_EQ(c->Call({"HELLO"}), HelloReply(std::stoull(id.substr(1)), 3));
  EXPECT_EQ(c->Call({"CONFIG", "GET", "maxclients"}),
            "%1\r\n" + Bulk("maxclients") + Bulk("10000"));
  EXPECT_EQ(c->Call({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(c->Call({"AUTH", "pw"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"GET", "missing"}), "$-1\r\n");
}

TEST_F(ServerTest, ClientNameAndInfo) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETNAME", "worker-1"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "GETNAME"}), Bulk("worker-1"));
  EXPECT_EQ(c->Call({"CLIENT", "SETNAME", "has space"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETINFO", "lib-ver", "5.0"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETINFO", "color", "x"}), "-ERR Unrecognized option 'color'\r\n");
  const std::string info = c->Call({"CLIENT", "INFO"});
  EXPECT_NE(info.find(" name=worker-1 "), std::string::npos) << info;
  EXPECT_NE(info.find(" lib-name=redis-py lib-ver=5.0\n"), std::string::npos) << info;
  EXPECT_NE(info.find(" cmd=client|info "), std::string::npos) << info;
  EXPECT_NE(info.find(" laddr=127.0.0.1:" + std::to_string(server_->port()) + " "),
            std::string::npos);
  EXPECT_EQ(c->Call({"CLIENT", "SETNAME", ""}), "+OK\r\n");  // empty clears the name
  EXPECT_EQ(c->Call({"CLIENT", "GETNAME"}), "$-1\r\n");
}

TEST_F(ServerTest, ClientListShowsEveryClient) {
  Start();
  auto a = Connect();
  auto b = Connect();
  ASSERT_EQ(a->Call({"CLIENT", "SETNAME", "alpha"}), "+OK\r\n");
  const std::string ida = a->Call({"CLIENT", "ID"}).substr(1);
  const std::string idb = b->Call({"CLIENT", "ID"}).substr(1);
  const std::string list = b->Call({"CLIENT", "LIST"});
  EXPECT_NE(list.find("id=" + ida.substr(0, ida.size() - 2) + " "), std::string::npos) << list;
  EXPECT_NE(list.find("id=" + idb.substr(0, idb.size() - 2) + " "), std::string::npos) << list;
  EXPECT_NE(list.find(" name=alpha "), std::string::npos) << list;
  const std::string only_a = b->Call({"CLIENT", "LIST", "ID", ida.substr(0, ida.size() - 2)});
  EXPECT_NE(only_a.find(" name=alpha "), std::string::npos);
  EXPECT_EQ(only_a.find("id=" + idb.substr(0, idb.size() - 2) + " "), std::string::npos);
  EXPECT_EQ(b->Call({"CLIENT", "LIST", "TYPE", "pubsub"}), "$0\r\n\r\n");
  EXPECT_EQ(b->Call({"CLIENT", "LIST", "TYPE", "bogus"}), "-ERR Unknown client type 'bogus'\r\n");
  EXPECT_EQ(b->Call({"CLIENT", "LIST", "ID", "x"}), "-ERR Invalid client ID\r\n");
}

TEST_F(ServerTest, ClientKillForms) {
  Start();
  auto victim = Connect();
  auto killer = Connect();
  const std::string info = victim->Call({"CLIENT", "INFO"});
  const size_t at = info.find("addr=") + 5;
  const std::string addr = info.substr(at, info.find(' ', at) - at);
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "127.0.0.1:1"}), "-ERR No such client\r\n");
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "ID", "0"}),
            "-ERR client-id should be greater than 0\r\n");
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "USER", "bob"}), "-ERR No such user 'bob'\r\n");
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "ADDR"}), "-ERR No such client\r\n");  // old form
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "ID", "1", "ADDR"}), "-ERR syntax error\r\n");
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "TYPE", "master"}), ":0\r\n");
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "ADDR", addr}), ":1\r\n");
  EXPECT_TRUE(victim->WaitClosed());
  // SKIPME yes (the default) spares the caller; the old form kills even the caller.
  EXPECT_EQ(killer->Call({"CLIENT", "KILL", "USER", "default"}), ":0\r\n");
  const std::string self = killer->Call({"CLIENT", "INFO"});
  const size_t sat = self.find("addr=") + 5;
  killer->Send(Resp({"CLIENT", "KILL", self.substr(sat, self.find(' ', sat) - sat)}) +
               Resp({"PING"}));
  EXPECT_EQ(killer->Read(), "+OK\r\n");
  EXPECT_TRUE(killer->WaitClosed());
  EXPECT_EQ(killer->Pending(), "");
}

TEST_F(ServerTest, ClientSubcommandErrorsAndHelp) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"CLIENT", "BOGUS"}), "-ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "SETNAME"}),
            "-ERR wrong number of arguments for 'client|setname' command\r\n");
  EXPECT_EQ(c->Call({"CLIENT"}), "-ERR wrong number of arguments for 'client' command\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "REPLY", "MAYBE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "NO-EVICT", "on"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "NO-TOUCH", "off"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CLIENT", "NO-EVICT", "maybe"}), "-ERR syntax error\r\n");
  const std::string help = c->Call({"CLIENT", "HELP"});
  EXPECT_EQ(help.rfind("*", 0), 0u);
  EXPECT_NE(help.find("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            std::string::npos);
  EXPECT_NE(help.find("+    Prints this help.\r\n"), std::string::npos);
}

TEST_F(ServerTest, ResetRestoresAFreshConnection) {
  Start();
  auto c = Connect();
  ASSERT_EQ(c->Call({"CLIENT", "SETNAME", "n"}), "+OK\r\n");
  c->Send(Resp({"CLIENT", "REPLY", "OFF"}) + Resp({"RESET"}) + Resp({"CLIENT", "GETNAME"}));
  EXPECT_EQ(c->Read(), "+RESET\r\n");  // RESET turns replies back on, its own included
  EXPECT_EQ(c->Read(), "$-1\r\n");
}

}  // namespace
}  // namespace cairn::testing
