// Server commands through the real server: INFO, CONFIG, TIME, SHUTDOWN flags, FUNCTION, DEBUG.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "server_fixture.h"

namespace cairn::testing {
namespace {

// The payload of a bulk reply.
std::string BulkText(const std::string& reply) {
  const size_t eol = reply.find("\r\n");
  EXPECT_EQ(reply[0], '$') << reply;
  return reply.substr(eol + 2, reply.size() - eol - 4);
}

// The value of `field` in INFO text ("" if absent).
std::string InfoField(const std::string& info, const std::string& field) {
  const size_t at = info.find("\r\n" + field + ":");
  if (at == std::string::npos) return {};
  const size_t start = at + 2 + field.size() + 1;
  return info.substr(start, info.find("\r\n", start) - start);
}

TEST_F(ServerTest, InfoDefaultSectionsAndFields) {
  Start();
  auto c = Connect();
  ASSERT_EQ(c->Call({"SET", "a", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Call({"PEXPIRE", "a", "100000"}), ":1\r\n");
  ASSERT_EQ(c->Call({"SET", "b", "2"}), "+OK\r\n");
  ASSERT_EQ(c->Call({"GET", "a"}), Bulk("1"));
  ASSERT_EQ(c->Call({"GET", "zz"}), "$-1\r\n");
  const std::string info = BulkText(c->Call({"INFO"}));
  EXPECT_EQ(info.rfind("# Server\r\n", 0), 0u);
  for (const char* section : {"# Clients", "# Memory", "# Stats", "# Keyspace"}) {
    EXPECT_NE(info.find(std::string("\r\n\r\n") + section + "\r\n"), std::string::npos) << section;
  }
  EXPECT_EQ(info.find("# Commandstats"), std::string::npos);
  EXPECT_EQ(InfoField(info, "redis_version"), "7.0.0");
  EXPECT_EQ(InfoField(info, "cairn_version"), "0.1.0");
  EXPECT_EQ(InfoField(info, "process_id"), std::to_string(getpid()));
  EXPECT_EQ(InfoField(info, "tcp_port"), std::to_string(server_->port()));
  EXPECT_EQ(InfoField(info, "connected_clients"), "1");
  EXPECT_EQ(InfoField(info, "maxclients"), "10000");
  EXPECT_EQ(InfoField(info, "maxmemory"), "0");
  EXPECT_EQ(InfoField(info, "maxmemory_human"), "0B");
  EXPECT_EQ(InfoField(info, "maxmemory_policy"), "adaptive");  // the default: no Redis name
  const CacheStats stats = cache_->Stats();
  EXPECT_EQ(InfoField(info, "used_memory_dataset"), std::to_string(stats.bytes));
  EXPECT_EQ(InfoField(info, "used_memory"),
            std::to_string(stats.bytes + stats.policy_metadata_bytes + cache_->external_bytes()));
  EXPECT_EQ(InfoField(info, "keyspace_hits"), "1");
  EXPECT_EQ(InfoField(info, "keyspace_misses"), "1");
  EXPECT_EQ(InfoField(info, "total_connections_received"), "1");
  EXPECT_EQ(InfoField(info, "total_commands_processed"), "5");  // INFO itself not yet counted
  EXPECT_EQ(InfoField(info, "db0"), "keys=2,expires=1,avg_ttl=100000");  // manual clock
  EXPECT_NE(info.find("\r\n\r\n# Cairn\r\n"), std::string::npos);
  EXPECT_EQ(info.substr(info.size() - 2), "\r\n");
}

TEST_F(ServerTest, InfoCairnSection) {
  Start();
  auto c = Connect();
  cache_->SetCapacity(/*max_items=*/2, /*max_bytes=*/0);
  for (const char* key : {"a", "b", "c"}) ASSERT_EQ(c->Call({"SET", key, "v"}), "+OK\r\n");
  ASSERT_EQ(c->Call({"SET", "t", "v", "PX", "10"}), "+OK\r\n");  // evicts one more
  clock_.Advance(20);
  ASSERT_EQ(c->Call({"GET", "t"}), "$-1\r\n");  // expired lazily
  const std::string info = BulkText(c->Call({"INFO", "cairn"}));
  EXPECT_EQ(info.rfind("# Cairn\r\n", 0), 0u) << info;
  EXPECT_EQ(info.find("# Server"), std::string::npos);
  const CacheStats st = cache_->Stats();
  EXPECT_EQ(InfoField(info, "eviction_policy"), cache_->policy());
  EXPECT_EQ(InfoField(info, "write_policy"), "none");
  EXPECT_EQ(InfoField(info, "read_through"), "no");
  EXPECT_EQ(InfoField(info, "shards"), std::to_string(cache_->shard_count()));
  EXPECT_EQ(InfoField(info, "items"), "1");
  EXPECT_EQ(InfoField(info, "bytes"), std::to_string(st.bytes));
  EXPECT_EQ(InfoField(info, "max_items"), "2");
  EXPECT_EQ(InfoField(info, "maxmemory"), "0");
  EXPECT_EQ(InfoField(info, "policy_metadata_bytes"), std::to_string(st.policy_metadata_bytes));
  EXPECT_EQ(InfoField(info, "evicted_keys_maxmemory"), "0");
  EXPECT_EQ(InfoField(info, "evicted_keys_max_items"), "2");
  EXPECT_EQ(InfoField(info, "expired_keys_lazy"), "1");
  EXPECT_EQ(InfoField(info, "expired_keys_active"), "0");
  EXPECT_EQ(InfoField(info, "expiry_lag_ms"), "0");
  EXPECT_EQ(InfoField(info, "oom_rejections"), "0");
  EXPECT_NE(BulkText(c->Call({"INFO", "everything"})).find("\r\n# Cairn\r\n"), std::string::npos);
}

TEST_F(ServerTest, InfoInstantaneousFiguresFollowTheLoad) {
  Start();
  auto c = Connect();
  // Redis's figure: the mean of 16 samples taken every 100 ms; poll (bounded) under load.
  std::string ops = "0", in = "0.00";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while ((ops == "0" || in == "0.00") && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 50; ++i) ASSERT_EQ(c->Call({"PING"}), "+PONG\r\n");
    const std::string stats = BulkText(c->Call({"INFO", "stats"}));
    ops = InfoField(stats, "instantaneous_ops_per_sec");
    in = InfoField(stats, "instantaneous_input_kbps");
  }
  EXPECT_NE(ops, "0");
  EXPECT_NE(in, "0.00");
  EXPECT_GT(std::stod(InfoField(BulkText(c->Call({"INFO", "stats"})), "instantaneous_output_kbps")),
            0.0);
}

TEST_F(ServerTest, InfoSectionSelection) {
  Start();
  auto c = Connect();
  const std::string keyspace = BulkText(c->Call({"INFO", "keyspace"}));
  EXPECT_EQ(keyspace, "# Keyspace\r\n");  // no keys: just the header
  const std::string two = BulkText(c->Call({"INFO", "MEMORY", "clients"}));
  EXPECT_EQ(two.rfind("# Clients\r\n", 0), 0u) << two;  // Redis's order, not the argument order
  EXPECT_NE(two.find("\r\n\r\n# Memory\r\n"), std::string::npos);
  EXPECT_EQ(two.find("# Server"), std::string::npos);
  EXPECT_EQ(c->Call({"INFO", "nosuchsection"}), "$0\r\n\r\n");
  const std::string all = BulkText(c->Call({"INFO", "all"}));
  EXPECT_NE(all.find("# Commandstats\r\n"), std::string::npos);
  EXPECT_NE(all.find("\r\ncmdstat_info:calls=3,"), std::string::npos) << all;
  ASSERT_EQ(c->Call({"CONFIG", "SET", "maxmemory", "2mb"}), "+OK\r\n");
  const std::string mem = BulkText(c->Call({"INFO", "memory"}));
  EXPECT_EQ(InfoField(mem, "maxmemory"), "2097152");
  EXPECT_EQ(InfoField(mem, "maxmemory_human"), "2.00M");
}

TEST_F(ServerTest, ConfigGetSetAndErrors) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"CONFIG", "GET", "maxclients"}),
            "*2\r\n" + Bulk("maxclients") + Bulk("10000"));
  EXPECT_EQ(c->Call({"CONFIG", "SET", "maxclients", "50"}), "+OK\r\n");
  EXPECT_EQ(server_->maxclients(), 50);
  EXPECT_EQ(c->Call({"CONFIG", "GET", "maxclients"}), "*2\r\n" + Bulk("maxclients") + Bulk("50"));
  EXPECT_EQ(c->Call({"CONFIG", "SET", "maxclients"}),
            "-ERR wrong number of arguments for 'config|set' command\r\n");
  EXPECT_EQ(c->Call({"CONFIG", "SET", "maxclients", "1", "timeout"}),
            "-ERR wrong number of arguments for 'config|set' command\r\n");
  const std::string unknown = c->Call({"CONFIG", "SET", "no-such-thing", "1"});
  EXPECT_EQ(unknown.rfind("-ERR Unknown option or number of arguments for CONFIG SET", 0), 0u)
      << unknown;
  EXPECT_EQ(c->Call({"CONFIG", "GET", "nothing-matches-*"}), "*0\r\n");
  EXPECT_EQ(c->Call({"CONFIG", "FOO"}), "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
}

TEST_F(ServerTest, ConfigResetStat) {
  Start();
  auto c = Connect();
  ASSERT_EQ(c->Call({"GET", "missing"}), "$-1\r\n");
  ASSERT_EQ(c->Call({"CONFIG", "RESETSTAT"}), "+OK\r\n");
  EXPECT_EQ(cache_->Stats().misses, 0u);
  const std::string stats = BulkText(c->Call({"INFO", "stats"}));
  EXPECT_EQ(InfoField(stats, "keyspace_misses"), "0");
  EXPECT_EQ(InfoField(stats, "total_connections_received"), "0");
  EXPECT_EQ(InfoField(stats, "total_commands_processed"), "1");  // CONFIG RESETSTAT itself
}

TEST_F(ServerTest, ConfigRewriteWithoutConfigFile) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"CONFIG", "REWRITE"}), "-ERR The server is running without a config file\r\n");
}

TEST_F(ServerTest, ConfigRewriteWritesTheEffectiveConfig) {
  const std::filesystem::path dir = ::testing::TempDir();
  const std::filesystem::path file = dir / ("cairn-rewrite-" + std::to_string(getpid()) + ".conf");
  { std::ofstream(file) << "maxclients 77\n"; }
  Start([&](ServerOptions& o) { o.config_file = file.string(); });
  auto c = Connect();
  ASSERT_EQ(c->Call({"CONFIG", "SET", "maxclients", "123"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"CONFIG", "REWRITE"}), "+OK\r\n");
  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  EXPECT_EQ(text.str(), registry_.Dump());
  EXPECT_NE(text.str().find("maxclients 123\n"), std::string::npos) << text.str();
  std::filesystem::remove(file);
}

TEST_F(ServerTest, TimeIsTheWallClock) {
  Start();
  auto c = Connect();
  const std::string reply = c->Call({"TIME"});
  ASSERT_EQ(reply.rfind("*2\r\n$", 0), 0u) << reply;
  const size_t s1 = reply.find("\r\n", 4) + 2;
  const long long secs = std::stoll(reply.substr(s1, reply.find("\r\n", s1) - s1));
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  EXPECT_LE(std::llabs(now - secs), 5);
  const size_t us_len = reply.find("\r\n", s1) + 2;
  const size_t s2 = reply.find("\r\n", us_len) + 2;
  const long long us = std::stoll(reply.substr(s2, reply.find("\r\n", s2) - s2));
  EXPECT_GE(us, 0);
  EXPECT_LT(us, 1'000'000);
}

TEST_F(ServerTest, ShutdownRejectsBadFlags) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"SHUTDOWN", "NOSAVE", "SAVE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c->Call({"SHUTDOWN", "LATER"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c->Call({"SHUTDOWN", "ABORT", "NOW"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c->Call({"SHUTDOWN", "ABORT"}), "-ERR No shutdown in progress.\r\n");
  EXPECT_FALSE(server_->shutdown_requested());
}

TEST_F(ServerTest, FunctionAndDebug) {
  Start();
  auto c = Connect();
  EXPECT_EQ(c->Call({"FUNCTION", "FLUSH"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"FUNCTION", "FLUSH", "ASYNC"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"FUNCTION", "FLUSH", "LATER"}),
            "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n");
  EXPECT_EQ(c->Call({"FUNCTION", "LIST"}), "*0\r\n");
  EXPECT_EQ(c->Call({"DEBUG", "JMAP"}),
            "-ERR unknown subcommand or wrong number of arguments for 'JMAP'. Try DEBUG "
            "HELP.\r\n");
  EXPECT_EQ(c->Call({"DEBUG"}), "-ERR wrong number of arguments for 'debug' command\r\n");
  EXPECT_EQ(c->Call({"DEBUG", "SLEEP", "0"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"DEBUG", "SLEEP", "0.001"}), "+OK\r\n");
}

}  // namespace
}  // namespace cairn::testing
