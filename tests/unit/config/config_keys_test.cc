// Validators of the persistence and observability keys that are more than a number or a choice:
// client-output-buffer-limit (Redis's class groups), snapshot-on-start (a file-safe name),
// metrics-bind, and the CLI/file details of flags like "-1" and "".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cairn/config/config_params.h"
#include "config_test_util.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing_util::Load;
using testing_util::WriteTempFile;

constexpr uint64_t kMb = 1024 * 1024;
using Limit = ClientOutputBufferLimits::Limit;

TEST(ClientOutputBufferLimitTest, DefaultsAreRedis) {
  ClientOutputBufferLimits limits = ServerConfig{}.client_output_buffer_limit;
  EXPECT_EQ(limits.normal, (Limit{0, 0, 0}));
  EXPECT_EQ(limits.replica, (Limit{256 * kMb, 64 * kMb, 60}));
  EXPECT_EQ(limits.pubsub, (Limit{32 * kMb, 8 * kMb, 60}));
}

TEST(ClientOutputBufferLimitTest, SetsOnlyTheClassesNamed) {
  auto loaded = Load({"--client-output-buffer-limit", "PubSub", "1mb", "2k", "+3"});
  ASSERT_EQ(loaded.result.error, "");
  const ClientOutputBufferLimits& l = loaded.cfg.client_output_buffer_limit;
  EXPECT_EQ(l.pubsub, (Limit{kMb, 2000, 3}));
  EXPECT_EQ(l.normal, ServerConfig{}.client_output_buffer_limit.normal);
  EXPECT_EQ(l.replica, ServerConfig{}.client_output_buffer_limit.replica);
  // slave and replica are one class; a class named twice keeps its last values.
  auto twice = Load({"--client-output-buffer-limit", "slave 1 2 3 normal 4 5 6 replica 7 8 9"});
  ASSERT_EQ(twice.result.error, "");
  EXPECT_EQ(twice.cfg.client_output_buffer_limit.replica, (Limit{7, 8, 9}));
  EXPECT_EQ(twice.cfg.client_output_buffer_limit.normal, (Limit{4, 5, 6}));
}

TEST(ClientOutputBufferLimitTest, FileLinesAddUpLikeRedisConf) {
  std::string path = WriteTempFile(
      "client-output-buffer-limit normal 1mb 1mb 1\n"
      "client-output-buffer-limit replica 0 0 0\n"
      "client-output-buffer-limit pubsub 64mb 16mb 90 normal 2mb 2mb 2\n");
  auto loaded = Load({path});
  ASSERT_EQ(loaded.result.error, "");
  const ClientOutputBufferLimits& l = loaded.cfg.client_output_buffer_limit;
  EXPECT_EQ(l.normal, (Limit{2 * kMb, 2 * kMb, 2}));
  EXPECT_EQ(l.replica, (Limit{0, 0, 0}));
  EXPECT_EQ(l.pubsub, (Limit{64 * kMb, 16 * kMb, 90}));
  // Repeated flags add up the same way.
  auto flags = Load({"--client-output-buffer-limit", "normal", "1", "1", "1",
                     "--client-output-buffer-limit", "pubsub", "0", "0", "0"});
  ASSERT_EQ(flags.result.error, "");
  EXPECT_EQ(flags.cfg.client_output_buffer_limit.normal, (Limit{1, 1, 1}));
  EXPECT_EQ(flags.cfg.client_output_buffer_limit.pubsub, (Limit{0, 0, 0}));
  // A bad line still names its line.
  std::string bad = WriteTempFile(
      "client-output-buffer-limit normal 1 1 1\nclient-output-buffer-limit pubsub 1 1\n");
  EXPECT_THAT(Load({bad}).result.error,
              HasSubstr("line 2: invalid value 'pubsub 1 1' for 'client-output-buffer-limit'"));
}

TEST(ClientOutputBufferLimitTest, ConfigSetIsAllOrNothingAndApplied) {
  ServerConfig cfg;
  ConfigRegistry registry;
  std::vector<ClientOutputBufferLimits> seen;
  ASSERT_EQ(DefineConfigParams(registry, cfg,
                               {{"client-output-buffer-limit",
                                 [&](const ServerConfig& c) -> std::optional<std::string> {
                                   seen.push_back(c.client_output_buffer_limit);
                                   return std::nullopt;
                                 }}}),
            std::nullopt);
  using KV = std::vector<std::pair<std::string_view, std::string_view>>;
  EXPECT_EQ(registry.Set(KV{{"client-output-buffer-limit", "pubsub 1mb 512kb 10"}}), std::nullopt);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].pubsub, (Limit{kMb, 512 * 1024, 10}));
  EXPECT_EQ(cfg.client_output_buffer_limit.pubsub, (Limit{kMb, 512 * 1024, 10}));
  // The second group is bad: the first is not applied either.
  EXPECT_NE(registry.Set(KV{{"client-output-buffer-limit", "normal 1 1 1 pubsub 1 1 x"}}),
            std::nullopt);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(cfg.client_output_buffer_limit.normal, (Limit{0, 0, 0}));
  std::vector<std::string_view> pattern{"client-output-buffer-limit"};
  EXPECT_EQ(registry.Get(pattern)[0].second,
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10");
  // An empty value names no class and changes nothing, as in Redis.
  EXPECT_EQ(registry.Set(KV{{"client-output-buffer-limit", ""}}), std::nullopt);
  EXPECT_EQ(cfg.client_output_buffer_limit.pubsub, (Limit{kMb, 512 * 1024, 10}));
}

TEST(SnapshotOnStartTest, NamesThatStayInTheDataDir) {
  for (std::string_view good : {"nightly", "a", "v1.2_x-y", "A0"}) {
    auto loaded = Load({"--snapshot-on-start", std::string(good)});
    EXPECT_EQ(loaded.result.error, "") << good;
    EXPECT_EQ(loaded.cfg.snapshot_on_start, good);
  }
  EXPECT_EQ(Load({WriteTempFile("snapshot-on-start \"\"\n")}).cfg.snapshot_on_start, "");
  for (const std::string& bad :
       std::vector<std::string>{"../x", "a/b", "/abs", ".", "..", ".x", "a b", "x\\y",
                                "caf\xc3\xa9", std::string(129, 'a')}) {
    EXPECT_THAT(Load({"--snapshot-on-start", bad}).result.error,
                HasSubstr("expected a snapshot name"))
        << bad;
  }
  EXPECT_EQ(Load({"--snapshot-on-start", std::string(128, 'a')}).result.error, "");
}

TEST(MetricsBindTest, OneIpLiteral) {
  EXPECT_EQ(Load({"--metrics-bind", "::"}).cfg.metrics_bind, "::");
  EXPECT_EQ(Load({"--metrics-bind", "10.1.2.3"}).cfg.metrics_bind, "10.1.2.3");
  EXPECT_EQ(Load({"--metrics-bind", "example.com"}).result.error,
            "invalid value 'example.com' for 'metrics-bind': expected one IP address like "
            "127.0.0.1, 0.0.0.0 or ::");
  EXPECT_THAT(Load({WriteTempFile("metrics-bind 1.1.1.1 2.2.2.2\n")}).result.error,
              HasSubstr("wrong number of arguments for 'metrics-bind': expected one value"));
}

TEST(NewKeysTest, NegativeAndEmptyValuesAsFlags) {
  EXPECT_EQ(Load({"--slowlog-log-slower-than", "-1"}).cfg.slowlog_log_slower_than, -1);
  EXPECT_EQ(Load({"--slowlog-log-slower-than", "0"}).cfg.slowlog_log_slower_than, 0);
  auto on = Load({"--notify-keyspace-events", "Ex"});
  EXPECT_EQ(on.cfg.notify_keyspace_events, (1u << 1) | (1u << 8));  // Redis: E, x
  auto off = Load({"--notify-keyspace-events", ""}, {}, on.cfg);
  ASSERT_EQ(off.result.error, "");
  EXPECT_EQ(off.cfg.notify_keyspace_events, 0u);
  EXPECT_EQ(Load({"--notify-keyspace-events", "K E"}).result.error,
            "invalid value 'K E' for 'notify-keyspace-events': expected characters from "
            "Ag$lshzxeKEtmdn, like KEA or Ex (\"\" = off)");
}

TEST(NewKeysTest, TypedFieldsAreFilled) {
  std::string path = WriteTempFile(
      "write-policy WRITE-THROUGH\nwrite-back-interval-ms 50\nwrite-back-max-dirty 7\n"
      "write-back-hard-limit 70\nwrite-back-hard-limit-bytes 2mb\nwrite-back-overflow "
      "reject\nread-through yes\nwarm-load no\n"
      "shutdown-timeout 3\nwrite-sync YES\nrocksdb-block-cache-size 1k\n"
      "rocksdb-compression Snappy\nrocksdb-background-jobs 8\nundo-depth 2\n"
      "undo-max-bytes 10kb\nmetrics-port 9121\nslowlog-max-len 5\nlatency-tracking no\n"
      "log-format JSON\nlog-max-size 1m\nlog-max-files 1\n");
  auto loaded = Load({path});
  ASSERT_EQ(loaded.result.error, "");
  const ServerConfig& c = loaded.cfg;
  EXPECT_EQ(c.write_policy, "write-through");
  EXPECT_EQ(c.write_back_interval_ms, 50);
  EXPECT_EQ(c.write_back_max_dirty, 7u);
  EXPECT_EQ(c.write_back_hard_limit, 70u);
  EXPECT_EQ(c.write_back_hard_limit_bytes, 2u << 20);
  EXPECT_EQ(c.write_back_overflow, "reject");
  EXPECT_TRUE(c.read_through);
  EXPECT_FALSE(c.warm_load);
  EXPECT_EQ(c.shutdown_timeout, 3);
  EXPECT_TRUE(c.write_sync);
  EXPECT_EQ(c.rocksdb_block_cache_size, 1000u);
  EXPECT_EQ(c.rocksdb_compression, "snappy");
  EXPECT_EQ(c.rocksdb_background_jobs, 8);
  EXPECT_EQ(c.undo_depth, 2);
  EXPECT_EQ(c.undo_max_bytes, 10240u);
  EXPECT_EQ(c.metrics_port, 9121);
  EXPECT_EQ(c.slowlog_max_len, 5u);
  EXPECT_FALSE(c.latency_tracking);
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(c.log_max_size, 1000000u);
  EXPECT_EQ(c.log_max_files, 1);
}

}  // namespace
}  // namespace cairn
