// Redis tool compatibility: the keys redis-benchmark and desktop clients read (save, appendonly,
// databases), and maxmemory-policy answering Redis's policy names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "cairn/config/config_params.h"
#include "config_spec.h"
#include "config_test_util.h"

namespace cairn {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using KV = std::vector<std::pair<std::string_view, std::string_view>>;
using ::testing::HasSubstr;
using testing_util::Load;
using testing_util::WriteTempFile;

std::string SetFailed(std::string_view key, std::string_view why) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(key) + "') - " +
         std::string(why);
}

class ConfigCompatTest : public ::testing::Test {
 protected:
  // A hook on eviction-policy and hz that records the candidate's eviction policy.
  void Define(ConfigChoices choices = {}) {
    auto record = [this](const ServerConfig& c) -> std::optional<std::string> {
      applied_.push_back(c.eviction_policy);
      return std::nullopt;
    };
    ASSERT_EQ(DefineConfigParams(registry_, cfg_, {{"eviction-policy", record}, {"hz", record}},
                                 std::move(choices)),
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
};

// redis-benchmark 7.0 (getRedisConfig) pipelines these two and gives up on an empty answer.
TEST_F(ConfigCompatTest, RedisBenchmarkGetsSaveAndAppendonly) {
  Define();
  EXPECT_EQ(Get({"save"}), (Pairs{{"save", ""}}));
  EXPECT_EQ(Get({"appendonly"}), (Pairs{{"appendonly", "no"}}));
  EXPECT_EQ(Get({"DATABASES"}), (Pairs{{"databases", "1"}}));
  EXPECT_EQ(Get({"save", "appendonly"}), (Pairs{{"save", ""}, {"appendonly", "no"}}));
  const Pairs all = Get({"*"});
  for (std::string_view key : {"save", "appendonly", "databases"}) {
    EXPECT_EQ(
        std::count_if(all.begin(), all.end(), [key](const auto& p) { return p.first == key; }), 1)
        << key;
  }
}

TEST_F(ConfigCompatTest, TheFixedValueSetsBackAndChangesNothing) {
  Define();
  const std::string before = DumpConfig(cfg_);
  EXPECT_EQ(Set({{"save", ""}}), std::nullopt);
  EXPECT_EQ(Set({{"save", "  "}}), std::nullopt);  // no save points, as Redis reads it
  EXPECT_EQ(Set({{"appendonly", "no"}, {"databases", "1"}}), std::nullopt);
  EXPECT_EQ(Set({{"APPENDONLY", "NO"}}), std::nullopt);
  // Alongside a real change, in one CONFIG SET.
  EXPECT_EQ(Set({{"save", ""}, {"hz", "20"}, {"appendonly", "no"}}), std::nullopt);
  EXPECT_EQ(cfg_.hz, 20);
  cfg_.hz = ServerConfig{}.hz;
  EXPECT_EQ(DumpConfig(cfg_), before);
  EXPECT_EQ(Set({{"save", ""}, {"SAVE", ""}}), SetFailed("SAVE", "duplicate parameter"));
}

TEST_F(ConfigCompatTest, OtherValuesAreRefusedWithTheCairnAlternative) {
  Define();
  EXPECT_EQ(Set({{"save", "3600 1 300 100"}}),
            SetFailed("save",
                      "Cairn has no RDB save points, so save is always \"\": use SNAPSHOT or "
                      "BGSAVE for point-in-time copies and write-policy (write-through or "
                      "write-back) for durability"));
  EXPECT_EQ(Set({{"appendonly", "yes"}}),
            SetFailed("appendonly",
                      "Cairn has no append-only file, so appendonly is always no: use "
                      "write-policy write-through (each write reaches RocksDB before the reply) "
                      "or write-back (batched) for durability, and SNAPSHOT or BGSAVE for "
                      "point-in-time copies"));
  EXPECT_EQ(Set({{"databases", "16"}}),
            SetFailed("databases",
                      "Cairn has one database, so databases is always 1 (SELECT accepts only 0)"));
  // Values Redis itself would refuse get Redis's words.
  EXPECT_EQ(Set({{"appendonly", "maybe"}}),
            SetFailed("appendonly", "argument must be 'yes' or 'no'"));
  EXPECT_EQ(Set({{"databases", "many"}}),
            SetFailed("databases", "argument couldn't be parsed into an integer"));
  EXPECT_EQ(Set({{"databases", "0"}}),
            SetFailed("databases", "argument must be between 1 and 2147483647 inclusive"));
  // A refused compatibility key rolls back the real change made before it.
  EXPECT_THAT(Set({{"hz", "30"}, {"appendonly", "yes"}}),
              ::testing::Optional(HasSubstr("no append-only file")));
  EXPECT_EQ(cfg_.hz, ServerConfig{}.hz);
  EXPECT_EQ(Get({"save", "appendonly", "databases"}),
            (Pairs{{"save", ""}, {"appendonly", "no"}, {"databases", "1"}}));
}

TEST_F(ConfigCompatTest, CompatKeysTakeNoHooks) {
  auto noop = [](const ServerConfig&) { return std::optional<std::string>(); };
  for (const char* key : {"save", "appendonly", "databases"}) {
    ConfigRegistry registry;
    EXPECT_THAT(DefineConfigParams(registry, cfg_, {{key, noop}}),
                ::testing::Optional(HasSubstr("cannot change at run time")))
        << key;
  }
}

TEST(ConfigCompatLoadTest, FileAndFlagsAcceptTheFixedValue) {
  auto loaded = Load({WriteTempFile("save \"\"\nappendonly no\ndatabases 1\nport 7001\n"), "--save",
                      "", "--appendonly", "no", "--databases", "1"});
  ASSERT_EQ(loaded.result.error, "");
  ServerConfig expected;
  expected.port = 7001;
  EXPECT_EQ(DumpConfig(loaded.cfg), DumpConfig(expected));
}

TEST(ConfigCompatLoadTest, FileAndFlagsRefuseOtherValues) {
  const std::string path = WriteTempFile("port 7001\nsave 3600 1 300 100\n");
  auto save = Load({path});
  EXPECT_EQ(
      save.result.error,
      "config file '" + path +
          "', line 2: invalid value '3600 1 300 100' "
          "for 'save': expected \"\" (Cairn has no RDB save points: use SNAPSHOT or BGSAVE for "
          "point-in-time copies and write-policy (write-through or write-back) for durability)");
  auto aof = Load({"--appendonly", "yes"});
  EXPECT_THAT(aof.result.error,
              HasSubstr("invalid value 'yes' for 'appendonly': expected no (Cairn has no "
                        "append-only file: use write-policy write-through or write-back for "
                        "durability)"));
  auto dbs = Load({WriteTempFile("databases 16\n")});
  EXPECT_THAT(dbs.result.error,
              HasSubstr("line 1: invalid value '16' for 'databases': expected 1 (Cairn has one "
                        "database, SELECT 0)"));
}

// The policy under both names: eviction-policy answers Cairn's, maxmemory-policy Redis's.
TEST_F(ConfigCompatTest, MaxmemoryPolicyAnswersTheRedisName) {
  Define();
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      // set to, eviction-policy shows, maxmemory-policy shows
      {"lfu", "lfu", "allkeys-lfu"},
      {"allkeys-lru", "lru", "allkeys-lru"},
      {"ALLKEYS-LFU", "lfu", "allkeys-lfu"},
      {"noeviction", "noeviction", "noeviction"},
      {"fifo", "fifo", "fifo"},  // no Redis name: its own under both keys
      {"LRU", "lru", "allkeys-lru"},
  };
  for (const auto& [value, cairn, redis] : cases) {
    SCOPED_TRACE(value);
    for (std::string_view key : {"eviction-policy", "maxmemory-policy"}) {
      ASSERT_EQ(Set({{key, value}}), std::nullopt) << key;
      EXPECT_EQ(cfg_.eviction_policy, cairn);
      EXPECT_EQ(Get({"eviction-policy"}), (Pairs{{"eviction-policy", cairn}}));
      EXPECT_EQ(Get({"maxmemory-policy"}), (Pairs{{"maxmemory-policy", redis}}));
      // Each answer sets back as a no-op: the hook is not called.
      applied_.clear();
      EXPECT_EQ(Set({{"maxmemory-policy", redis}}), std::nullopt);
      EXPECT_EQ(Set({{"eviction-policy", cairn}}), std::nullopt);
      EXPECT_EQ(Set({{"eviction-policy", redis}}), std::nullopt);
      EXPECT_THAT(applied_, ::testing::IsEmpty());
    }
  }
  // The hook sees the Cairn name; a pattern reaching the alias shows it in Redis's form.
  ASSERT_EQ(Set({{"eviction-policy", "lfu"}}), std::nullopt);
  applied_.clear();
  ASSERT_EQ(Set({{"maxmemory-policy", "allkeys-lru"}}), std::nullopt);
  EXPECT_EQ(applied_, std::vector<std::string>{"lru"});
  EXPECT_EQ(
      Get({"maxmemory*"}),
      (Pairs{{"maxmemory", "0"}, {"maxmemory-policy", "allkeys-lru"}, {"maxmemory-clients", "0"}}));
  EXPECT_EQ(Get({"*policy"}), (Pairs{{"eviction-policy", "lru"}, {"write-policy", "none"}}));
  EXPECT_EQ(registry_.Dump().find("maxmemory-policy"), std::string::npos);
  EXPECT_THAT(registry_.Dump(), HasSubstr("\neviction-policy lru\n"));
}

TEST_F(ConfigCompatTest, RedisNamesComeFromTheChoices) {
  ConfigChoices choices;
  choices.eviction_policies = {"lru", "arc"};  // Redis's spelling not listed
  choices.redis_policy_names = {{"lru", "allkeys-lru"}, {"arc", "allkeys-arc"}};
  Define(choices);
  // What maxmemory-policy shows is accepted even when only the Cairn name is listed.
  EXPECT_EQ(Get({"maxmemory-policy"}), (Pairs{{"maxmemory-policy", "allkeys-lru"}}));
  EXPECT_EQ(Set({{"maxmemory-policy", "allkeys-lru"}}), std::nullopt);
  ASSERT_EQ(Set({{"maxmemory-policy", "allkeys-arc"}}), std::nullopt);
  EXPECT_EQ(cfg_.eviction_policy, "arc");
  EXPECT_EQ(Set({{"maxmemory-policy", "allkeys-lfu"}}),
            SetFailed("eviction-policy", "argument(s) must be one of the following: lru, arc"));

  ConfigRegistry plain;
  ServerConfig cfg;
  cfg.eviction_policy = "lru";
  ConfigChoices none;
  none.redis_policy_names.clear();
  ASSERT_EQ(DefineConfigParams(plain, cfg, {}, none), std::nullopt);
  EXPECT_EQ(plain.Get(std::vector<std::string_view>{"maxmemory-policy"}),
            (Pairs{{"maxmemory-policy", "lru"}}));
}

TEST(ConfigCompatLoadTest, RedisPolicyNamesLoadAsCairnNames) {
  auto loaded = Load({WriteTempFile("maxmemory-policy allkeys-lfu\n")});
  ASSERT_EQ(loaded.result.error, "");
  EXPECT_EQ(loaded.cfg.eviction_policy, "lfu");
  EXPECT_THAT(DumpConfig(loaded.cfg), HasSubstr("\neviction-policy lfu\n"));
  auto flag = Load({"--maxmemory-policy", "allkeys-lru"});
  ASSERT_EQ(flag.result.error, "");
  EXPECT_EQ(flag.cfg.eviction_policy, "lru");
}

}  // namespace
}  // namespace cairn
