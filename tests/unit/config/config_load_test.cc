// LoadConfig / DumpConfig: flags, the config file, precedence, units, errors, round trips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "cairn/config/config.h"
#include "config_spec.h"
#include "config_test_util.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing_util::Load;
using testing_util::WriteTempFile;

// One non-default valid value per key, and how DumpConfig prints it. Must cover every key but
// the Redis compatibility keys (save, appendonly, databases), which have no other value
// (config_compat_test.cc).
struct KeyCase {
  std::string key;
  std::string value;  // several values separated by spaces for multi-valued keys
  std::string dumped;
};

const std::vector<KeyCase>& KeyCases() {
  static const std::vector<KeyCase> cases = {
      {"bind", "10.0.0.1 ::", "10.0.0.1 ::"},
      {"port", "7000", "7000"},
      {"io-threads", "4", "4"},
      {"shards", "64", "64"},
      {"maxmemory", "100mb", "100mb"},
      {"max-items", "5000", "5000"},
      {"eviction-policy", "lfu", "lfu"},
      {"requirepass", "s3cret", "s3cret"},
      {"aclfile", "/etc/cairn/users.acl", "/etc/cairn/users.acl"},
      {"acllog-max-len", "16", "16"},
      {"timeout", "300", "300"},
      {"maxclients", "50", "50"},
      {"protected-mode", "no", "no"},
      {"proto-max-bulk-len", "2mb", "2mb"},
      {"client-query-buffer-limit", "2gb", "2gb"},
      {"maxmemory-clients", "10%", "10%"},
      {"log-level", "warn", "warn"},
      {"log-file", "/tmp/cairn.log", "/tmp/cairn.log"},
      {"data-dir", "/var/lib/cairn", "/var/lib/cairn"},
      {"hz", "20", "20"},
      {"write-policy", "write-back", "write-back"},
      {"write-back-interval-ms", "250", "250"},
      {"write-back-max-dirty", "500", "500"},
      {"write-back-hard-limit", "0", "0"},
      {"write-back-hard-limit-bytes", "64mb", "64mb"},
      {"write-back-overflow", "REJECT", "reject"},
      {"read-through", "yes", "yes"},
      {"warm-load", "No", "no"},
      {"shutdown-timeout", "0", "0"},
      {"write-sync", "yes", "yes"},
      {"rocksdb-block-cache-size", "256mb", "256mb"},
      {"rocksdb-compression", "zstd", "zstd"},
      {"rocksdb-background-jobs", "4", "4"},
      {"rocksdb-write-buffer-size", "16mb", "16mb"},
      {"snapshot-on-start", "nightly-2024.01_a", "nightly-2024.01_a"},
      {"undo-depth", "0", "0"},
      {"undo-max-bytes", "65536", "64kb"},
      {"busy-reply-threshold", "250", "250"},
      {"metrics-port", "9121", "9121"},
      {"metrics-bind", "0.0.0.0", "0.0.0.0"},
      {"notify-keyspace-events", "KEA", "AKE"},
      {"slowlog-log-slower-than", "-1", "-1"},
      {"slowlog-max-len", "1000", "1000"},
      {"tracking-table-max-keys", "5000", "5000"},
      {"client-output-buffer-limit", "pubsub 64mb 16mb 90",
       "normal 0 0 0 replica 256mb 64mb 60 pubsub 64mb 16mb 90"},
      {"latency-tracking", "no", "no"},
      {"log-format", "json", "json"},
      {"log-max-size", "100mb", "100mb"},
      {"log-max-files", "10", "10"},
      {"cluster-enabled", "yes", "yes"},
      {"cluster-config-file", "/etc/cairn/cluster.map", "/etc/cairn/cluster.map"},
      {"cluster-node-id", "node-a", "node-a"},
      {"cluster-announce-ip", "10.0.0.1", "10.0.0.1"},
      {"tls-port", "6380", "6380"},
      {"tls-cert-file", "/etc/cairn/tls/server.crt", "/etc/cairn/tls/server.crt"},
      {"tls-key-file", "/etc/cairn/tls/server.key", "/etc/cairn/tls/server.key"},
      {"tls-key-file-pass", "pa55", "pa55"},
      {"tls-ca-cert-file", "/etc/cairn/tls/ca.crt", "/etc/cairn/tls/ca.crt"},
      {"tls-ca-cert-dir", "/etc/ssl/certs", "/etc/ssl/certs"},
      {"tls-auth-clients", "Optional", "optional"},
      {"tls-protocols", "TLSv1.3", "TLSv1.3"},
      {"tls-ciphers", "HIGH:!aNULL", "HIGH:!aNULL"},
      {"tls-ciphersuites", "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
      {"tls-prefer-server-ciphers", "yes", "yes"},
      {"tls-session-caching", "no", "no"},
      {"tls-session-cache-size", "1000", "1000"},
      {"tls-session-cache-timeout", "60", "60"},
      {"tls-handshake-timeout-ms", "2500", "2500"},
  };
  return cases;
}

bool IsCompatKey(const std::string& key) {
  const config_internal::ConfigSpec* spec = config_internal::FindConfigSpec(key);
  return spec != nullptr && spec->compat;
}

std::map<std::string, std::string> DumpMap(const ServerConfig& cfg) {
  std::map<std::string, std::string> out;
  std::istringstream in(DumpConfig(cfg));
  std::string line;
  while (std::getline(in, line)) {
    size_t space = line.find(' ');
    out[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  return out;
}

std::vector<std::string> SplitSpaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

TEST(LoadConfigTest, NoArgumentsGiveTheDefaults) {
  auto loaded = Load({});
  ASSERT_EQ(loaded.result.error, "");
  EXPECT_FALSE(loaded.result.exit);
  EXPECT_EQ(DumpConfig(loaded.cfg), DumpConfig(ServerConfig{}));
  EXPECT_EQ(loaded.cfg.config_file, "");
}

TEST(LoadConfigTest, KeyCasesCoverEveryDumpedKey) {
  std::set<std::string> dumped, cased;
  for (const auto& [key, value] : DumpMap(ServerConfig{})) {
    if (!IsCompatKey(key)) dumped.insert(key);
  }
  for (const KeyCase& c : KeyCases()) cased.insert(c.key);
  EXPECT_EQ(dumped, cased);
  EXPECT_EQ(DumpMap(ServerConfig{}).size(), cased.size() + 3) << "save, appendonly, databases";
}

TEST(LoadConfigTest, EveryKeyAsAFlag) {
  const auto defaults = DumpMap(ServerConfig{});
  for (const KeyCase& c : KeyCases()) {
    SCOPED_TRACE(c.key);
    std::vector<std::string> args{"--" + c.key};
    for (const std::string& v : SplitSpaces(c.value)) args.push_back(v);
    auto loaded = Load(args);
    ASSERT_EQ(loaded.result.error, "");
    auto dump = DumpMap(loaded.cfg);
    ASSERT_NE(defaults.at(c.key), c.dumped) << "the case must not be the default";
    for (const auto& [key, value] : dump) {
      EXPECT_EQ(value, key == c.key ? c.dumped : defaults.at(key)) << key;
    }
  }
}

TEST(LoadConfigTest, EveryKeyInTheFile) {
  const auto defaults = DumpMap(ServerConfig{});
  for (const KeyCase& c : KeyCases()) {
    SCOPED_TRACE(c.key);
    std::string path = WriteTempFile("# a comment\n\n" + c.key + " " + c.value + "\n");
    auto loaded = Load({path});
    ASSERT_EQ(loaded.result.error, "");
    EXPECT_EQ(loaded.cfg.config_file, path);
    for (const auto& [key, value] : DumpMap(loaded.cfg)) {
      EXPECT_EQ(value, key == c.key ? c.dumped : defaults.at(key)) << key;
    }
  }
}

TEST(LoadConfigTest, TypedFieldsAreFilled) {
  std::string path = WriteTempFile(
      "bind 0.0.0.0\nport 0\nio-threads 3\nshards 8\nmaxmemory 1gb\nmax-items 10\n"
      "eviction-policy ALLKEYS-LRU\nrequirepass \"p w\"\ntimeout 5\nmaxclients 7\n"
      "proto-max-bulk-len 1mb\nclient-query-buffer-limit 3mb\nlog-level notice\n"
      "log-file ''\ndata-dir /d\nhz 100\n");
  auto loaded = Load({path});
  ASSERT_EQ(loaded.result.error, "");
  const ServerConfig& c = loaded.cfg;
  EXPECT_EQ(c.bind, std::vector<std::string>{"0.0.0.0"});
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.io_threads, 3);
  EXPECT_EQ(c.shards, 8);
  EXPECT_EQ(c.maxmemory, 1024ull * 1024 * 1024);
  EXPECT_EQ(c.max_items, 10u);
  EXPECT_EQ(c.eviction_policy, "lru");  // Redis's name, stored as Cairn's
  EXPECT_EQ(c.requirepass, "p w");
  EXPECT_EQ(c.timeout, 5);
  EXPECT_EQ(c.maxclients, 7);
  EXPECT_EQ(c.proto_max_bulk_len, 1024u * 1024);
  EXPECT_EQ(c.client_query_buffer_limit, 3u * 1024 * 1024);
  EXPECT_EQ(c.log_level, "info");  // Redis's "notice" is spdlog's "info"
  EXPECT_EQ(c.log_file, "");
  EXPECT_EQ(c.data_dir, "/d");
  EXPECT_EQ(c.hz, 100);
}

TEST(LoadConfigTest, PrecedenceDefaultsThenFileThenFlags) {
  std::string path = WriteTempFile("port 7000\nmaxmemory 1mb\nbind 10.1.1.1 10.1.1.2\n");
  auto loaded = Load({path, "--port", "7001", "--bind", "::1"});
  ASSERT_EQ(loaded.result.error, "");
  EXPECT_EQ(loaded.cfg.port, 7001);               // flag beats file
  EXPECT_EQ(loaded.cfg.maxmemory, 1024u * 1024);  // file beats default
  EXPECT_EQ(loaded.cfg.hz, ServerConfig{}.hz);    // default
  EXPECT_EQ(loaded.cfg.bind, std::vector<std::string>{"::1"});

  // --config FILE anywhere works the same as the first argument.
  auto via_flag = Load({"--port", "7001", "--config", path});
  ASSERT_EQ(via_flag.result.error, "");
  EXPECT_EQ(via_flag.cfg.port, 7001);
  EXPECT_EQ(via_flag.cfg.maxmemory, 1024u * 1024);
  EXPECT_EQ(via_flag.cfg.config_file, path);
}

TEST(LoadConfigTest, LaterValuesWinAndAliasesAreTheSameKey) {
  std::string path = WriteTempFile(
      "port 1\nPORT 2\neviction-policy lfu\nmaxmemory-policy fifo\nloglevel warning\n"
      "dir /x\nlogfile /y.log\n");
  auto loaded = Load({path});
  ASSERT_EQ(loaded.result.error, "");
  EXPECT_EQ(loaded.cfg.port, 2);
  EXPECT_EQ(loaded.cfg.eviction_policy, "fifo");
  EXPECT_EQ(loaded.cfg.log_level, "warn");
  EXPECT_EQ(loaded.cfg.data_dir, "/x");
  EXPECT_EQ(loaded.cfg.log_file, "/y.log");

  auto flags = Load({"--port", "1", "--port", "3", "--maxmemory-policy", "noeviction", "--dir",
                     "/z", "--loglevel", "debug"});
  ASSERT_EQ(flags.result.error, "");
  EXPECT_EQ(flags.cfg.port, 3);
  EXPECT_EQ(flags.cfg.eviction_policy, "noeviction");
  EXPECT_EQ(flags.cfg.data_dir, "/z");
  EXPECT_EQ(flags.cfg.log_level, "debug");
}

TEST(LoadConfigTest, MemoryUnits) {
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {"0", 0},
      {"123", 123},
      {"1k", 1000},
      {"1kb", 1024},
      {"1m", 1000000},
      {"1mb", 1048576},
      {"1g", 1000000000},
      {"1gb", 1073741824},
      {"2GB", 2147483648},
      {"100mb", 104857600},
      {"5b", 5},
  };
  for (const auto& [text, bytes] : cases) {
    SCOPED_TRACE(text);
    auto flag = Load({"--maxmemory", text});
    ASSERT_EQ(flag.result.error, "");
    EXPECT_EQ(flag.cfg.maxmemory, bytes);
    auto file = Load({WriteTempFile("maxmemory " + text + "\n")});
    ASSERT_EQ(file.result.error, "");
    EXPECT_EQ(file.cfg.maxmemory, bytes);
  }
}

struct BadCase {
  std::string key, value;
};

const std::vector<BadCase>& BadCases() {
  static const std::vector<BadCase> cases = {
      {"bind", "not-an-ip"},
      {"bind", "10.0.0.1 300.1.1.1"},
      {"port", "abc"},
      {"port", "70000"},
      {"port", "-1"},
      {"io-threads", "x"},
      {"io-threads", "-2"},
      {"shards", "0"},
      {"maxmemory", "abc"},
      {"maxmemory", "10tb"},
      {"maxmemory", "-5"},
      {"maxmemory", "1.5gb"},
      {"max-items", "-1"},
      {"max-items", "1.5"},
      {"max-items", "1k"},
      {"eviction-policy", "bogus"},
      {"timeout", "-1"},
      {"timeout", "soon"},
      {"maxclients", "0"},
      {"proto-max-bulk-len", "1k"},
      {"proto-max-bulk-len", "big"},
      {"client-query-buffer-limit", "lots"},
      {"maxmemory-clients", "101%"},
      {"maxmemory-clients", "-5%"},
      {"maxmemory-clients", "lots"},
      {"log-level", "loud"},
      {"hz", "0"},
      {"hz", "501"},
      {"port", "07000"},
      {"write-policy", "always"},
      {"write-back-interval-ms", "0"},
      {"write-back-interval-ms", "3600001"},
      {"write-back-max-dirty", "-1"},
      {"write-back-hard-limit", "lots"},
      {"write-back-hard-limit-bytes", "lots"},
      {"write-back-overflow", "drop"},
      {"read-through", "maybe"},
      {"warm-load", "1"},
      {"shutdown-timeout", "-1"},
      {"write-sync", "on"},
      {"rocksdb-block-cache-size", "1tb"},
      {"rocksdb-compression", "zlib"},
      {"rocksdb-background-jobs", "0"},
      {"rocksdb-background-jobs", "65"},
      {"rocksdb-write-buffer-size", "512kb"},
      {"rocksdb-write-buffer-size", "2gb"},
      {"snapshot-on-start", "../etc/passwd"},
      {"snapshot-on-start", ".hidden"},
      {"undo-depth", "-1"},
      {"undo-depth", "100001"},
      {"undo-max-bytes", "-1"},
      {"busy-reply-threshold", "-1"},
      {"metrics-port", "65536"},
      {"metrics-bind", "localhost"},
      {"notify-keyspace-events", "KEQ"},
      {"slowlog-log-slower-than", "-2"},
      {"slowlog-max-len", "-1"},
      {"client-output-buffer-limit", "normal 1 2"},
      {"client-output-buffer-limit", "master 1 2 3"},
      {"client-output-buffer-limit", "pubsub 1x 2 3"},
      {"client-output-buffer-limit", "pubsub 1 2 3 normal 1 2 x"},
      {"latency-tracking", "sometimes"},
      {"log-format", "xml"},
      {"log-max-size", "big"},
      {"log-max-files", "0"},
      {"cluster-enabled", "maybe"},
  };
  return cases;
}

TEST(LoadConfigTest, BadFlagValuesNameKeyAndValue) {
  for (const BadCase& c : BadCases()) {
    SCOPED_TRACE(c.key + " " + c.value);
    std::vector<std::string> args{"--" + c.key};
    for (const std::string& v : SplitSpaces(c.value)) args.push_back(v);
    ServerConfig start;
    start.port = 1234;
    auto loaded = Load(args, {}, start);
    EXPECT_FALSE(loaded.result.exit);
    EXPECT_THAT(loaded.result.error,
                HasSubstr("invalid value '" + c.value + "' for '" + c.key + "': expected "));
    EXPECT_EQ(loaded.cfg.port, 1234) << "cfg must not change on error";
  }
}

TEST(LoadConfigTest, BadFileValuesNameKeyValueAndLine) {
  for (const BadCase& c : BadCases()) {
    SCOPED_TRACE(c.key + " " + c.value);
    std::string path = WriteTempFile("# header\nport 6380\n" + c.key + " " + c.value + "\n");
    auto loaded = Load({path});
    EXPECT_THAT(loaded.result.error,
                HasSubstr("config file '" + path + "', line 3: invalid value '" + c.value +
                          "' for '" + c.key + "': expected "));
    // The same words as for the flag, so the two sources cannot drift apart.
    std::vector<std::string> args{"--" + c.key};
    for (const std::string& v : SplitSpaces(c.value)) args.push_back(v);
    EXPECT_EQ(loaded.result.error,
              "config file '" + path + "', line 3: " + Load(args).result.error);
  }
}

TEST(LoadConfigTest, ErrorMessagesSayWhatIsAllowed) {
  EXPECT_EQ(Load({"--maxmemory", "abc"}).result.error,
            "invalid value 'abc' for 'maxmemory': expected a size like 100mb or 1gb (k=1000, "
            "kb=1024, or plain bytes)");
  EXPECT_EQ(Load({"--port", "70000"}).result.error,
            "invalid value '70000' for 'port': expected an integer between 0 and 65535");
  EXPECT_EQ(
      Load({"--eviction-policy", "bogus"}).result.error,
      "invalid value 'bogus' for 'eviction-policy': expected one of adaptive, lru, lfu, fifo, "
      "noeviction, allkeys-lru, allkeys-lfu");
  EXPECT_EQ(Load({"--data-dir", ""}).result.error,
            "invalid value '' for 'data-dir': expected a non-empty string");
  EXPECT_EQ(Load({"--bind", "::1", "localhost"}).result.error,
            "invalid value '::1 localhost' for 'bind': expected one or more IP addresses like "
            "127.0.0.1 ::1");
}

TEST(LoadConfigTest, EvictionPoliciesComeFromTheCaller) {
  ConfigChoices mine;
  mine.eviction_policies = {"tinylfu", "lru"};
  EXPECT_EQ(Load({"--eviction-policy", "TinyLFU"}, mine).cfg.eviction_policy, "tinylfu");
  EXPECT_THAT(Load({"--eviction-policy", "lfu"}, mine).result.error,
              HasSubstr("expected one of tinylfu, lru"));
  ConfigChoices any;
  any.eviction_policies.clear();
  EXPECT_EQ(Load({"--eviction-policy", "whatever"}, any).cfg.eviction_policy, "whatever");
  EXPECT_THAT(Load({"--eviction-policy", ""}, any).result.error,
              HasSubstr("invalid value '' for 'eviction-policy'"));
}

TEST(LoadConfigTest, FileProblemsNameTheLine) {
  std::string unknown = WriteTempFile("port 1\n\n  foo bar\n");
  EXPECT_EQ(Load({unknown}).result.error,
            "config file '" + unknown + "', line 3: unknown key 'foo'");
  std::string arity = WriteTempFile("port 1 2\n");
  EXPECT_EQ(Load({arity}).result.error,
            "config file '" + arity +
                "', line 1: wrong number of arguments for 'port': expected one value, got 2");
  std::string empty = WriteTempFile("#\nbind\n");
  EXPECT_THAT(Load({empty}).result.error,
              HasSubstr("line 2: wrong number of arguments for 'bind': expected one or more"));
  std::string quotes = WriteTempFile("requirepass \"abc\n");
  EXPECT_THAT(Load({quotes}).result.error, HasSubstr("line 1: unbalanced quotes"));
  // Flags that are not config keys are not config-file keys either.
  std::string flag = WriteTempFile("dump-config yes\n");
  EXPECT_THAT(Load({flag}).result.error, HasSubstr("line 1: unknown key 'dump-config'"));
}

TEST(LoadConfigTest, CommandLineProblems) {
  EXPECT_EQ(Load({"/no/such/cairn.conf"}).result.error,
            "cannot read config file '/no/such/cairn.conf'");
  EXPECT_THAT(Load({"--frobnicate", "1"}).result.error, HasSubstr("--frobnicate"));
  EXPECT_THAT(Load({"--port"}).result.error, HasSubstr("--port"));
  // The config file must come first, like redis-server.
  std::string path = WriteTempFile("port 1\n");
  EXPECT_THAT(Load({"--port", "2", path}).result.error,
              HasSubstr("a config file must be the first argument"));
}

TEST(LoadConfigTest, QuotedAndSpecialValuesInTheFile) {
  std::string path = WriteTempFile(
      "requirepass \"a \\\"b\\\" \\x41\\n\"\nlog-file '/var/log/it\\'s.log'\n"
      "data-dir /path#not-a-comment\n   # indented comment\n\t\n");
  auto loaded = Load({path});
  ASSERT_EQ(loaded.result.error, "");
  EXPECT_EQ(loaded.cfg.requirepass, "a \"b\" A\n");
  EXPECT_EQ(loaded.cfg.log_file, "/var/log/it's.log");
  EXPECT_EQ(loaded.cfg.data_dir, "/path#not-a-comment");
}

TEST(LoadConfigTest, HelpVersionAndDump) {
  auto help = Load({"--help"});
  EXPECT_TRUE(help.result.exit);
  EXPECT_EQ(help.result.exit_code, 0);
  EXPECT_EQ(help.result.error, "");
  for (const KeyCase& c : KeyCases()) EXPECT_THAT(help.out, HasSubstr("--" + c.key));
  EXPECT_THAT(help.out, HasSubstr("--maxmemory-policy"));
  EXPECT_THAT(help.out, HasSubstr("--dump-config"));
  EXPECT_THAT(help.out, HasSubstr("SIZE"));

  auto version = Load({"--version"});
  EXPECT_TRUE(version.result.exit);
  EXPECT_THAT(version.out, HasSubstr("cairn-server "));

  std::string path = WriteTempFile("maxmemory 2gb\n");
  auto dump = Load({path, "--port", "7777", "--dump-config"});
  EXPECT_TRUE(dump.result.exit);
  EXPECT_EQ(dump.result.exit_code, 0);
  EXPECT_EQ(dump.out, DumpConfig(dump.cfg));
  EXPECT_THAT(dump.out, HasSubstr("port 7777\n"));
  EXPECT_THAT(dump.out, HasSubstr("maxmemory 2gb\n"));
}

TEST(DumpConfigTest, OneLinePerKeyInSchemaOrder) {
  std::string dump = DumpConfig(ServerConfig{});
  std::vector<std::string> keys;
  std::istringstream in(dump);
  std::string line;
  while (std::getline(in, line)) {
    std::string key = line.substr(0, line.find(' '));
    if (!IsCompatKey(key)) keys.push_back(key);
  }
  ASSERT_EQ(keys.size(), KeyCases().size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(keys[i], KeyCases()[i].key);
  EXPECT_THAT(dump, HasSubstr("bind 127.0.0.1 ::1\n"));
  EXPECT_THAT(dump, HasSubstr("requirepass \"\"\n"));
  EXPECT_THAT(dump, HasSubstr("proto-max-bulk-len 512mb\n"));
  EXPECT_THAT(dump, HasSubstr("client-query-buffer-limit 1gb\n"));
  EXPECT_THAT(dump, ::testing::EndsWith("save \"\"\nappendonly no\ndatabases 1\n"));
}

TEST(DumpConfigTest, RoundTripThroughAFile) {
  // Every key changed, with values that need quoting and sizes that are not whole units.
  std::vector<std::string> args;
  for (const KeyCase& c : KeyCases()) {
    args.push_back("--" + c.key);
    for (const std::string& v : SplitSpaces(c.value)) args.push_back(v);
  }
  args.insert(args.end(), {"--requirepass", "p \"w'\\\n\x01", "--maxmemory", "1000001",
                           "--log-file", "/with space/x.log"});
  auto first = Load(args);
  ASSERT_EQ(first.result.error, "");
  std::string dumped = DumpConfig(first.cfg);
  auto second = Load({WriteTempFile(dumped)});
  ASSERT_EQ(second.result.error, "");
  EXPECT_EQ(DumpConfig(second.cfg), dumped);
  EXPECT_EQ(second.cfg.requirepass, "p \"w'\\\n\x01");
  EXPECT_EQ(second.cfg.maxmemory, 1000001u);
  EXPECT_EQ(second.cfg.log_file, "/with space/x.log");
  EXPECT_EQ(second.cfg.bind, first.cfg.bind);
}

}  // namespace
}  // namespace cairn
