// DefineConfigParams: the standard keys in a ConfigRegistry, validation shared with LoadConfig,
// apply hooks and rollback.
#include "cairn/config/config_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_spec.h"
#include "config_test_util.h"

namespace cairn {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using KV = std::vector<std::pair<std::string_view, std::string_view>>;
using ::testing::HasSubstr;

// The keys that may change at run time: the contract main's apply hooks are written against.
const std::vector<std::string>& RuntimeKeys() {
  static const std::vector<std::string> keys = {
      "maxmemory", "max-items", "eviction-policy", "requirepass", "acllog-max-len", "timeout",
      "maxclients", "protected-mode", "proto-max-bulk-len", "client-query-buffer-limit",
      "maxmemory-clients", "log-level", "hz",
      // persistence
      "write-policy", "write-back-interval-ms", "write-back-max-dirty", "write-back-hard-limit",
      "write-back-hard-limit-bytes", "write-back-overflow", "read-through", "shutdown-timeout",
      "write-sync", "undo-depth", "undo-max-bytes", "busy-reply-threshold",
      // observability
      "notify-keyspace-events", "slowlog-log-slower-than", "slowlog-max-len",
      "tracking-table-max-keys", "client-output-buffer-limit", "latency-tracking", "log-format",
      "log-max-size", "log-max-files",
      // TLS
      "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir",
      "tls-auth-clients", "tls-protocols", "tls-ciphers", "tls-ciphersuites",
      "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
      "tls-session-cache-timeout", "tls-handshake-timeout-ms"};
  return keys;
}

class ConfigParamsTest : public ::testing::Test {
 protected:
  // Hooks for every run-time key: they record what they saw; `reject_` makes one refuse.
  ConfigApplyHooks AllHooks() {
    ConfigApplyHooks hooks;
    for (const std::string& key : RuntimeKeys()) {
      hooks[key] = [this, key](const ServerConfig& c) -> std::optional<std::string> {
        // What CONFIG GET would show for the candidate.
        applied_.push_back(key + "=" + config_internal::FindConfigSpec(key)->get(c));
        if (reject_ == key) return "not now";
        return std::nullopt;
      };
    }
    return hooks;
  }

  void Define(ConfigApplyHooks hooks, ConfigChoices choices = {}) {
    ASSERT_EQ(DefineConfigParams(registry_, cfg_, std::move(hooks), std::move(choices)),
              std::nullopt);
  }

  Pairs Get(std::vector<std::string_view> patterns) { return registry_.Get(patterns); }
  std::optional<std::string> Set(KV kv) { return registry_.Set(kv); }

  // Starts from lru (not the default, adaptive) so Redis's spelling allkeys-lru can be tested.
  ServerConfig cfg_ = [] {
    ServerConfig c;
    c.eviction_policy = "lru";
    return c;
  }();
  ConfigRegistry registry_;
  std::vector<std::string> applied_;
  std::string reject_;
};

TEST_F(ConfigParamsTest, EveryKeyHasAGetterInConfigGetForm) {
  Define({});
  Pairs all = Get({"*"});
  std::string dump = DumpConfig(cfg_);
  size_t lines = static_cast<size_t>(std::count(dump.begin(), dump.end(), '\n'));
  EXPECT_EQ(all.size(), lines);
  cfg_.maxmemory = 100 * 1024 * 1024;
  EXPECT_EQ(Get({"maxmemory"}), (Pairs{{"maxmemory", "104857600"}}));  // bytes, like Redis
  EXPECT_EQ(Get({"bind"}), (Pairs{{"bind", "127.0.0.1 ::1"}}));
  EXPECT_EQ(Get({"maxmemory-policy", "dir", "loglevel"}),
            (Pairs{{"maxmemory-policy", "allkeys-lru"}, {"dir", "./data"}, {"loglevel", "info"}}));
}

TEST_F(ConfigParamsTest, SetValidatesStoresAndApplies) {
  Define(AllHooks());
  EXPECT_EQ(Set({{"maxmemory", "100mb"}}), std::nullopt);
  EXPECT_EQ(cfg_.maxmemory, 104857600u);
  EXPECT_EQ(Get({"maxmemory"}), (Pairs{{"maxmemory", "104857600"}}));
  EXPECT_EQ(Set({{"maxmemory-policy", "LFU"}, {"loglevel", "warning"}, {"requirepass", "pw"}}),
            std::nullopt);
  EXPECT_EQ(cfg_.eviction_policy, "lfu");
  EXPECT_EQ(cfg_.log_level, "warn");
  EXPECT_EQ(cfg_.requirepass, "pw");
  EXPECT_EQ(applied_, (std::vector<std::string>{"maxmemory=104857600", "eviction-policy=lfu",
                                                "log-level=warn", "requirepass=pw"}));
}

// Issue 3: every value CONFIG GET shows can be set back, immutable keys and keys without a hook
// included; nothing is applied and nothing changes.
TEST_F(ConfigParamsTest, EveryGetValueCanBeSetBack) {
  auto loaded =
      testing_util::Load({"--bind", "0.0.0.0   ::", "--port", "7001", "--maxmemory", "100mb",
                          "--log-file", "/tmp/a dir/cairn.log", "--client-output-buffer-limit",
                          "pubsub 1mb 512kb 30", "--notify-keyspace-events", "KEA", "--requirepass",
                          "p w", "--maxmemory-policy", "allkeys-lfu"});
  ASSERT_EQ(loaded.result.error, "");
  cfg_ = loaded.cfg;
  for (bool with_hooks : {false, true}) {
    SCOPED_TRACE(with_hooks ? "with hooks" : "without hooks");
    ConfigRegistry registry;
    ASSERT_EQ(DefineConfigParams(registry, cfg_, with_hooks ? AllHooks() : ConfigApplyHooks{}),
              std::nullopt);
    const std::string before = DumpConfig(cfg_);
    const Pairs all = registry.Get(std::vector<std::string_view>{"*"});
    ASSERT_EQ(all.size(), config_internal::ConfigSpecs().size());
    for (const auto& [name, value] : all) {
      EXPECT_EQ(registry.Set(KV{{name, value}}), std::nullopt) << name << " '" << value << "'";
    }
    // By every alias too: maxmemory-policy answers Redis's name ("allkeys-lfu").
    for (const config_internal::ConfigSpec& spec : config_internal::ConfigSpecs()) {
      for (const std::string& alias : spec.aliases) {
        const Pairs got = registry.Get(std::vector<std::string_view>{alias});
        ASSERT_EQ(got.size(), 1u) << alias;
        EXPECT_EQ(registry.Set(KV{{got[0].first, got[0].second}}), std::nullopt)
            << alias << " '" << got[0].second << "'";
      }
    }
    EXPECT_EQ(registry.Get(std::vector<std::string_view>{"maxmemory-policy"}),
              (Pairs{{"maxmemory-policy", "allkeys-lfu"}}));
    // All at once too, as one CONFIG SET.
    KV every(all.begin(), all.end());
    EXPECT_EQ(registry.Set(every), std::nullopt);
    EXPECT_EQ(DumpConfig(cfg_), before);
    EXPECT_EQ(registry.Get(std::vector<std::string_view>{"*"}), all);
    // ... except the file keys, where the same value means "read the file again".
    std::erase_if(applied_, [](const std::string& a) {
      return config_internal::FindConfigSpec(a.substr(0, a.find('=')))->reload_same_value;
    });
    EXPECT_TRUE(applied_.empty()) << "hooks are not called for unchanged values";
  }
}

TEST_F(ConfigParamsTest, SameValueIsComparedAfterParsing) {
  cfg_.maxmemory = 100 * 1024 * 1024;
  cfg_.bind = {"127.0.0.1", "::1"};
  cfg_.log_file = "/var/log/cairn.log";
  Define({});  // no hooks: every key is immutable
  const std::string immutable = "') - can't set immutable config";
  auto refused = [&](std::string_view key) {
    return "ERR CONFIG SET failed (possibly related to argument '" + std::string(key) + immutable;
  };
  // Same value in another spelling: OK.
  for (std::string_view same : {"100mb", "100MB", "104857600", "102400kb", "104857600b"}) {
    EXPECT_EQ(Set({{"maxmemory", same}}), std::nullopt) << same;
  }
  EXPECT_EQ(Set({{"bind", "127.0.0.1   ::1"}}), std::nullopt);
  EXPECT_EQ(Set({{"BIND", " 127.0.0.1\t::1 "}}), std::nullopt);  // any whitespace, any case
  EXPECT_EQ(Set({{"eviction-policy", "LRU"}, {"maxmemory-policy", "lru"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - duplicate "
            "parameter");
  EXPECT_EQ(Set({{"maxmemory-policy", "LRU"}}), std::nullopt);
  EXPECT_EQ(Set({{"loglevel", "notice"}}), std::nullopt);  // stored as "info"
  EXPECT_EQ(Set({{"logfile", "/var/log/cairn.log"}, {"dir", "./data"}}), std::nullopt);
  EXPECT_EQ(Set({{"client-output-buffer-limit", "pubsub 32mb 8mb 60"}}), std::nullopt);
  // Another value, or an invalid one: still Redis's immutable error, naming the argument.
  EXPECT_EQ(Set({{"maxmemory", "99mb"}}), refused("maxmemory"));
  EXPECT_EQ(Set({{"maxmemory", "lots"}}), refused("maxmemory"));
  EXPECT_EQ(Set({{"bind", "::1 127.0.0.1"}}), refused("bind"));  // order matters
  EXPECT_EQ(Set({{"bind", "127.0.0.1"}}), refused("bind"));
  EXPECT_EQ(Set({{"logfile", "/var/log/cairn.log "}}), refused("logfile"));
  EXPECT_EQ(Set({{"port", "6379"}, {"shards", "8"}}), refused("shards"));
  EXPECT_EQ(Set({{"client-output-buffer-limit", "pubsub 32mb 8mb 61"}}),
            refused("client-output-buffer-limit"));
  EXPECT_EQ(DumpConfig(cfg_), [] {
    ServerConfig expected;
    expected.eviction_policy = "lru";
    expected.maxmemory = 100 * 1024 * 1024;
    expected.log_file = "/var/log/cairn.log";
    return DumpConfig(expected);
  }());
}

TEST_F(ConfigParamsTest, UnchangedImmutableKeysRideAlongWithRealChanges) {
  Define(AllHooks());
  EXPECT_EQ(Set({{"port", "6379"}, {"hz", "20"}, {"shards", "16"}}), std::nullopt);
  EXPECT_EQ(cfg_.hz, 20);
  EXPECT_EQ(applied_, (std::vector<std::string>{"hz=20"}));
  applied_.clear();
  // A later failure rolls back the real change; the unchanged immutable key is never touched.
  EXPECT_EQ(Set({{"timeout", "5"}, {"port", "6379"}, {"maxmemory", "nope"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value");
  EXPECT_EQ(cfg_.timeout, 0);
  EXPECT_EQ(applied_, (std::vector<std::string>{"timeout=5", "timeout=0"}));
  EXPECT_EQ(Set({{"port", "6379"}, {"PORT", "6379"}}),
            "ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter");
}

TEST_F(ConfigParamsTest, UnchangedRuntimeValueSkipsTheHook) {
  Define(AllHooks());
  reject_ = "eviction-policy";
  EXPECT_EQ(Set({{"eviction-policy", "lru"}}), std::nullopt) << "unchanged: hook not asked";
  EXPECT_EQ(Set({{"eviction-policy", "lfu"}}),
            "ERR CONFIG SET failed (possibly related to argument 'eviction-policy') - not now");
  EXPECT_EQ(applied_, (std::vector<std::string>{"eviction-policy=lfu"}));
}

// Redis 7.0's VOLATILE_CONFIG: setting a certificate path to the path it already has reloads the
// file (a rotated certificate), so the hook runs again; other keys still skip it.
TEST_F(ConfigParamsTest, FileKeysApplyTheSameValueAgain) {
  Define(AllHooks());
  EXPECT_EQ(Set({{"tls-cert-file", "/tls/a.crt"}}), std::nullopt);
  EXPECT_EQ(Set({{"tls-cert-file", "/tls/a.crt"}}), std::nullopt);
  EXPECT_EQ(Set({{"tls-protocols", ""}}), std::nullopt);  // unchanged, not a file
  EXPECT_EQ(applied_,
            (std::vector<std::string>{"tls-cert-file=/tls/a.crt", "tls-cert-file=/tls/a.crt"}));
}

TEST_F(ConfigParamsTest, RedisErrorTextsForBadValues) {
  Define(AllHooks());
  const std::vector<std::pair<KV, std::string>> cases = {
      {{{"maxmemory", "abc"}}, "'maxmemory') - argument must be a memory value"},
      {{{"hz", "0"}}, "'hz') - argument must be between 1 and 500 inclusive"},
      {{{"timeout", "x"}}, "'timeout') - argument couldn't be parsed into an integer"},
      {{{"max-items", "-1"}},
       "'max-items') - argument must be between 0 and 18446744073709551615 inclusive"},
      {{{"maxmemory-policy", "bogus"}},
       "'eviction-policy') - argument(s) must be one of the following: adaptive, lru, lfu, fifo, "
       "noeviction, allkeys-lru, allkeys-lfu"},
      {{{"proto-max-bulk-len", "1k"}},
       "'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 "
       "inclusive"},
      {{{"log-level", "loud"}},
       "'log-level') - argument(s) must be one of the following: trace, debug, info, warn, "
       "error, critical, off, verbose, notice, warning"},
      // The texts below are redis-server 7.0.15's, for the same keys and values.
      {{{"notify-keyspace-events", "K E"}},
       "'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
      {{{"client-output-buffer-limit", "normal 1 2"}},
       "'client-output-buffer-limit') - Wrong number of arguments in buffer limit "
       "configuration."},
      {{{"client-output-buffer-limit", "master 1 2 3"}},
       "'client-output-buffer-limit') - Invalid client class specified in buffer limit "
       "configuration."},
      {{{"client-output-buffer-limit", "normal 1 2 -3"}},
       "'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer "
       "limit configuration."},
      {{{"client-output-buffer-limit", "normal 1 2 99999999999999999999"}},
       "'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer "
       "limit configuration."},
      {{{"slowlog-log-slower-than", "-2"}},
       "'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 "
       "inclusive"},
      {{{"slowlog-log-slower-than", "1x"}},
       "'slowlog-log-slower-than') - argument couldn't be parsed into an integer"},
      {{{"slowlog-max-len", "-1"}},
       "'slowlog-max-len') - argument must be between 0 and 9223372036854775807 inclusive"},
      {{{"latency-tracking", "maybe"}}, "'latency-tracking') - argument must be 'yes' or 'no'"},
      {{{"shutdown-timeout", "-1"}},
       "'shutdown-timeout') - argument must be between 0 and 2147483647 inclusive"},
      // Cairn's own keys, in the same voice.
      {{{"write-policy", "always"}},
       "'write-policy') - argument(s) must be one of the following: none, write-through, "
       "write-back"},
      {{{"write-back-overflow", "drop"}},
       "'write-back-overflow') - argument(s) must be one of the following: block, reject"},
      {{{"undo-max-bytes", "lots"}}, "'undo-max-bytes') - argument must be a memory value"},
      {{{"log-format", "xml"}},
       "'log-format') - argument(s) must be one of the following: text, json"},
  };
  for (const auto& [kv, text] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Set(kv), "ERR CONFIG SET failed (possibly related to argument " + text);
  }
  EXPECT_TRUE(applied_.empty()) << "hooks never see invalid values";
  ServerConfig unchanged;
  unchanged.eviction_policy = "lru";  // cfg_'s start
  EXPECT_EQ(DumpConfig(cfg_), DumpConfig(unchanged));
}

TEST_F(ConfigParamsTest, ExactlyTheRuntimeKeysTakeHooks) {
  auto noop = [](const ServerConfig&) { return std::optional<std::string>(); };
  std::vector<std::string> accepted;
  for (const config_internal::ConfigSpec& spec : config_internal::ConfigSpecs()) {
    ConfigRegistry registry;
    ServerConfig cfg;
    if (!DefineConfigParams(registry, cfg, {{spec.name, noop}})) accepted.push_back(spec.name);
  }
  EXPECT_THAT(accepted, ::testing::UnorderedElementsAreArray(RuntimeKeys()));
  for (std::string_view fixed : {"metrics-port", "metrics-bind", "warm-load", "snapshot-on-start",
                                 "rocksdb-block-cache-size", "rocksdb-compression",
                                 "rocksdb-background-jobs", "rocksdb-write-buffer-size"}) {
    EXPECT_THAT(accepted, ::testing::Not(::testing::Contains(fixed)));
  }
}

TEST_F(ConfigParamsTest, NewKeysInRedisConfigGetForm) {
  Define({});
  EXPECT_EQ(Get({"client-output-buffer-limit"}),
            (Pairs{{"client-output-buffer-limit",
                    "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"}}));
  EXPECT_EQ(Get({"slowlog-*"}),
            (Pairs{{"slowlog-log-slower-than", "10000"}, {"slowlog-max-len", "128"}}));
  EXPECT_EQ(Get({"notify-keyspace-events", "latency-tracking", "shutdown-timeout"}),
            (Pairs{{"notify-keyspace-events", ""},
                   {"latency-tracking", "yes"},
                   {"shutdown-timeout", "10"}}));
  EXPECT_EQ(Get({"rocksdb-block-cache-size", "undo-max-bytes", "write-policy", "read-through"}),
            (Pairs{{"rocksdb-block-cache-size", "67108864"},
                   {"undo-max-bytes", "1048576"},
                   {"write-policy", "none"},
                   {"read-through", "no"}}));
}

TEST_F(ConfigParamsTest, FixedKeysAndKeysWithoutHooksAreImmutable) {
  Define({{"hz", [](const ServerConfig&) { return std::optional<std::string>(); }}});
  for (std::string_view key :
       {"port", "bind", "io-threads", "shards", "data-dir", "log-file", "maxmemory", "timeout"}) {
    EXPECT_EQ(Set({{key, "1"}}), "ERR CONFIG SET failed (possibly related to argument '" +
                                     std::string(key) + "') - can't set immutable config");
  }
  EXPECT_EQ(Set({{"hz", "50"}}), std::nullopt);
  EXPECT_EQ(cfg_.hz, 50);
}

TEST_F(ConfigParamsTest, HookRefusalKeepsTheOldValue) {
  Define(AllHooks());
  reject_ = "maxmemory";
  EXPECT_EQ(Set({{"maxmemory", "1gb"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - not now");
  EXPECT_EQ(cfg_.maxmemory, 0u);
  EXPECT_EQ(Get({"maxmemory"}), (Pairs{{"maxmemory", "0"}}));
}

TEST_F(ConfigParamsTest, MultiKeyFailureRollsBackThroughTheHooks) {
  Define(AllHooks());
  EXPECT_EQ(Set({{"maxmemory", "1mb"}, {"timeout", "30"}, {"hz", "1000"}}),
            "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be "
            "between 1 and 500 inclusive");
  EXPECT_EQ(cfg_.maxmemory, 0u);
  EXPECT_EQ(cfg_.timeout, 0);
  EXPECT_EQ(applied_, (std::vector<std::string>{"maxmemory=1048576", "timeout=30", "timeout=0",
                                                "maxmemory=0"}));
  applied_.clear();
  reject_ = "hz";
  EXPECT_EQ(Set({{"maxclients", "5"}, {"hz", "11"}}),
            "ERR CONFIG SET failed (possibly related to argument 'hz') - not now");
  EXPECT_EQ(cfg_.maxclients, ServerConfig{}.maxclients);
  EXPECT_EQ(cfg_.hz, ServerConfig{}.hz);
}

TEST_F(ConfigParamsTest, EvictionChoicesFromTheCaller) {
  ConfigChoices choices;
  choices.eviction_policies = {"tinylfu"};
  Define(AllHooks(), choices);
  EXPECT_EQ(Set({{"eviction-policy", "tinylfu"}}), std::nullopt);
  EXPECT_EQ(Set({{"eviction-policy", "lru"}}),
            "ERR CONFIG SET failed (possibly related to argument 'eviction-policy') - "
            "argument(s) must be one of the following: tinylfu");
}

TEST_F(ConfigParamsTest, BadHooksAreReported) {
  auto noop = [](const ServerConfig&) { return std::optional<std::string>(); };
  EXPECT_THAT(DefineConfigParams(registry_, cfg_, {{"nope", noop}}),
              ::testing::Optional(HasSubstr("'nope'")));
  EXPECT_THAT(DefineConfigParams(registry_, cfg_, {{"port", noop}}),
              ::testing::Optional(HasSubstr("'port' cannot change at run time")));
  EXPECT_THAT(DefineConfigParams(registry_, cfg_, {{"maxmemory-policy", noop}}),
              ::testing::Optional(HasSubstr("canonical")));
  EXPECT_THAT(DefineConfigParams(registry_, cfg_, {{"hz", nullptr}}),
              ::testing::Optional(HasSubstr("empty apply hook")));
  EXPECT_EQ(Get({"*"}), Pairs{}) << "nothing registered on error";
}

TEST_F(ConfigParamsTest, RegistryDumpLoadsBackAsAConfigFile) {
  Define(AllHooks());
  ASSERT_EQ(Set({{"maxmemory", "1000001"}, {"requirepass", "a b\"c"}, {"hz", "42"}}), std::nullopt);
  auto loaded = testing_util::Load({testing_util::WriteTempFile(registry_.Dump())});
  ASSERT_EQ(loaded.result.error, "");
  EXPECT_EQ(DumpConfig(loaded.cfg), DumpConfig(cfg_));
}

}  // namespace
}  // namespace cairn
