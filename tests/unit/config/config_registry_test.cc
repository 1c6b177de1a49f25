// ConfigRegistry: CONFIG GET globs and aliases, all-or-nothing CONFIG SET, Redis error texts.
#include "cairn/config/config_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cairn/common/strings.h"

namespace cairn {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using KV = std::vector<std::pair<std::string_view, std::string_view>>;

// A registry over plain variables; every successful set is logged as "name=value".
class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.Define(Number("maxmemory", {}, &maxmemory_));
    registry_.Define(Number("hz", {}, &hz_));
    ConfigParam policy;
    policy.name = "eviction-policy";
    policy.aliases = {"maxmemory-policy"};
    policy.get = [this] { return policy_; };
    policy.set = [this](std::string_view v) -> std::optional<std::string> {
      if (v != "lru" && v != "lfu") return "argument(s) must be one of the following: lru, lfu";
      policy_ = std::string(v);
      log_.push_back("eviction-policy=" + policy_);
      return std::nullopt;
    };
    registry_.Define(std::move(policy));
    ConfigParam port;  // immutable: no setter; accepts its own value, leading zeros too
    port.name = "port";
    port.get = [] { return std::string("6379"); };
    port.is_current = [this](std::string_view v) {
      log_.push_back("port?" + std::string(v));  // before normalising
      while (v.size() > 1 && v.front() == '0') v.remove_prefix(1);
      return v == "6379";
    };
    registry_.Define(std::move(port));
    ConfigParam shards;  // immutable, and no way to compare: always refused
    shards.name = "shards";
    shards.get = [] { return std::string("16"); };
    registry_.Define(std::move(shards));
    ConfigParam pass;
    pass.name = "requirepass";
    pass.get = [this] { return pass_; };
    pass.set = [this](std::string_view v) -> std::optional<std::string> {
      pass_ = std::string(v);
      return std::nullopt;
    };
    registry_.Define(std::move(pass));
  }

  ConfigParam Number(std::string name, std::vector<std::string> aliases, uint64_t* target) {
    ConfigParam p;
    p.name = name;
    p.aliases = std::move(aliases);
    p.get = [target] { return std::to_string(*target); };
    p.set = [this, name, target](std::string_view v) -> std::optional<std::string> {
      auto n = ParseUint64(v);
      if (!n) return "argument couldn't be parsed into an integer";
      if (*n == 13) return "thirteen is unlucky";  // valid syntax, rejected when applied
      *target = *n;
      log_.push_back(name + "=" + std::string(v));
      return std::nullopt;
    };
    return p;
  }

  Pairs Get(std::vector<std::string_view> patterns) { return registry_.Get(patterns); }
  std::optional<std::string> Set(KV kv) { return registry_.Set(kv); }

  ConfigRegistry registry_;
  uint64_t maxmemory_ = 0, hz_ = 10;
  std::string policy_ = "lru", pass_;
  std::vector<std::string> log_;
};

TEST_F(RegistryTest, GetByExactNameAnyCase) {
  EXPECT_EQ(Get({"maxmemory"}), (Pairs{{"maxmemory", "0"}}));
  EXPECT_EQ(Get({"MAXMEMORY"}), (Pairs{{"maxmemory", "0"}}));
  EXPECT_EQ(Get({"nope"}), Pairs{});
}

TEST_F(RegistryTest, GetByAliasAnswersWithTheAlias) {
  EXPECT_EQ(Get({"maxmemory-policy"}), (Pairs{{"maxmemory-policy", "lru"}}));
  EXPECT_EQ(Get({"eviction-policy"}), (Pairs{{"eviction-policy", "lru"}}));
}

TEST_F(RegistryTest, GetWithGlobsListsEachParameterOnce) {
  EXPECT_EQ(Get({"max*"}), (Pairs{{"maxmemory", "0"}, {"maxmemory-policy", "lru"}}));
  EXPECT_EQ(Get({"*policy"}), (Pairs{{"eviction-policy", "lru"}}));  // name checked first
  EXPECT_EQ(Get({"h?"}), (Pairs{{"hz", "10"}}));
  EXPECT_EQ(Get({"[hp]*"}), (Pairs{{"hz", "10"}, {"port", "6379"}}));
  EXPECT_EQ(Get({"s*"}), (Pairs{{"shards", "16"}}));
  EXPECT_EQ(Get({"*"}).size(), 6u);
  EXPECT_EQ(Get({"maxmemory", "max*", "*"}).size(), 6u);
  EXPECT_EQ(Get({"hz", "HZ", "h*"}), (Pairs{{"hz", "10"}}));
}

TEST_F(RegistryTest, FindByNameOrAlias) {
  ASSERT_NE(registry_.Find("MaxMemory-Policy"), nullptr);
  EXPECT_EQ(registry_.Find("MaxMemory-Policy")->name, "eviction-policy");
  EXPECT_EQ(registry_.Find("nope"), nullptr);
}

TEST_F(RegistryTest, SetOneAndMany) {
  EXPECT_EQ(Set({{"maxmemory", "100"}}), std::nullopt);
  EXPECT_EQ(maxmemory_, 100u);
  EXPECT_EQ(Set({{"HZ", "20"}, {"maxmemory-policy", "lfu"}, {"requirepass", ""}}), std::nullopt);
  EXPECT_EQ(hz_, 20u);
  EXPECT_EQ(policy_, "lfu");
  EXPECT_EQ(Get({"maxmemory-policy"}), (Pairs{{"maxmemory-policy", "lfu"}}));
  EXPECT_EQ(Set({}), std::nullopt);
}

TEST_F(RegistryTest, UnknownOptionChangesNothing) {
  EXPECT_EQ(Set({{"maxmemory", "5"}, {"foo", "1"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(maxmemory_, 0u);
  EXPECT_TRUE(log_.empty());
}

TEST_F(RegistryTest, ImmutableAndDuplicate) {
  EXPECT_EQ(Set({{"maxmemory", "5"}, {"port", "1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
            "config");
  EXPECT_EQ(Set({{"maxmemory-policy", "lfu"}, {"eviction-policy", "lru"}}),
            "ERR CONFIG SET failed (possibly related to argument 'eviction-policy') - duplicate "
            "parameter");
  EXPECT_EQ(Set({{"hz", "1"}, {"HZ", "2"}}),
            "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter");
  EXPECT_EQ(log_, (std::vector<std::string>{"port?1"}));
  log_.clear();
  // The first problem in argument order wins, like Redis.
  EXPECT_EQ(Set({{"port", "1"}, {"foo", "1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
            "config");
  EXPECT_EQ(Set({{"foo", "1"}, {"port", "1"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
}

TEST_F(RegistryTest, ImmutableAcceptsItsCurrentValueAsANoOp) {
  EXPECT_EQ(Set({{"port", "6379"}}), std::nullopt);
  EXPECT_EQ(Set({{"PORT", "06379"}}), std::nullopt);  // compared by is_current, not as text
  EXPECT_EQ(Set({{"port", "6380"}}),
            "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
            "config");
  EXPECT_EQ(Set({{"port", "x"}}),
            "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
            "config");
  // Without is_current even the current value is refused.
  EXPECT_EQ(Set({{"shards", "16"}}),
            "ERR CONFIG SET failed (possibly related to argument 'shards') - can't set immutable "
            "config");
  EXPECT_EQ(Set({{"port", "6379"}, {"port", "6379"}}),
            "ERR CONFIG SET failed (possibly related to argument 'port') - duplicate parameter");
  // Alongside real changes: the others apply, the unchanged one is skipped, also in rollback.
  log_.clear();
  EXPECT_EQ(Set({{"hz", "20"}, {"port", "6379"}, {"maxmemory", "5"}}), std::nullopt);
  EXPECT_EQ(log_, (std::vector<std::string>{"port?6379", "hz=20", "maxmemory=5"}));
  log_.clear();
  EXPECT_EQ(Set({{"hz", "30"}, {"port", "6379"}, {"maxmemory", "13"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - thirteen is "
            "unlucky");
  EXPECT_EQ(hz_, 20u);
  EXPECT_EQ(log_, (std::vector<std::string>{"port?6379", "hz=30", "hz=20"}));
}

TEST_F(RegistryTest, InvalidValueRollsBackTheOnesAlreadySet) {
  EXPECT_EQ(Set({{"maxmemory", "7"}}), std::nullopt);
  log_.clear();
  EXPECT_EQ(Set({{"maxmemory", "100"}, {"maxmemory-policy", "lfu"}, {"hz", "x"}}),
            "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be "
            "parsed into an integer");
  EXPECT_EQ(maxmemory_, 7u);
  EXPECT_EQ(policy_, "lru");
  EXPECT_EQ(hz_, 10u);
  // Applied in order, then restored in reverse order with the old values.
  EXPECT_EQ(log_, (std::vector<std::string>{"maxmemory=100", "eviction-policy=lfu",
                                            "eviction-policy=lru", "maxmemory=7"}));
}

TEST_F(RegistryTest, ApplyFailureNamesTheCanonicalParameter) {
  EXPECT_EQ(Set({{"maxmemory-policy", "bogus"}}),
            "ERR CONFIG SET failed (possibly related to argument 'eviction-policy') - "
            "argument(s) must be one of the following: lru, lfu");
  EXPECT_EQ(Set({{"hz", "20"}, {"MAXMEMORY", "13"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - thirteen is "
            "unlucky");
  EXPECT_EQ(hz_, 10u);
}

TEST_F(RegistryTest, DumpQuotesWhatNeedsIt) {
  EXPECT_EQ(Set({{"requirepass", "two words"}}), std::nullopt);
  EXPECT_EQ(registry_.Dump(),
            "maxmemory 0\nhz 10\neviction-policy lru\nport 6379\nshards 16\nrequirepass "
            "\"two words\"\n");
}

}  // namespace
}  // namespace cairn
