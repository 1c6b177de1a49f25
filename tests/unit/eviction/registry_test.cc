#include "cairn/eviction/registry.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace cairn {
namespace {

TEST(PolicyRegistryTest, BuiltinNamesInRegistrationOrder) {
  EXPECT_EQ(PolicyRegistry::Builtin().Names(),
            (std::vector<std::string>{"lru", "lfu", "fifo", "noeviction", "sieve", "slru", "s3fifo",
                                      "arc", "tinylfu", "adaptive", "gdsf"}));
}

TEST(PolicyRegistryTest, BuiltinIsOneInstance) {
  EXPECT_EQ(&PolicyRegistry::Builtin(), &PolicyRegistry::Builtin());
}

TEST(PolicyRegistryTest, CreatesEachCanonicalName) {
  const PolicyRegistry& r = PolicyRegistry::Builtin();
  for (const std::string& name : r.Names()) {
    auto p = r.Create(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->name(), name);
    EXPECT_EQ(r.Canonical(name), name);
    auto q = r.Create(name);
    EXPECT_NE(p.get(), q.get()) << "each Create makes a new instance";
  }
}

TEST(PolicyRegistryTest, RedisAliases) {
  const PolicyRegistry& r = PolicyRegistry::Builtin();
  EXPECT_EQ(r.Canonical("allkeys-lru"), "lru");
  EXPECT_EQ(r.Canonical("allkeys-lfu"), "lfu");
  EXPECT_EQ(r.Canonical("noeviction"), "noeviction");
  EXPECT_EQ(r.Create("allkeys-lru")->name(), "lru");
  EXPECT_EQ(r.Create("allkeys-lfu")->name(), "lfu");
}

TEST(PolicyRegistryTest, CaseInsensitive) {
  const PolicyRegistry& r = PolicyRegistry::Builtin();
  EXPECT_EQ(r.Canonical("LRU"), "lru");
  EXPECT_EQ(r.Canonical("Fifo"), "fifo");
  EXPECT_EQ(r.Canonical("ALLKEYS-LFU"), "lfu");
  EXPECT_EQ(r.Canonical("NoEviction"), "noeviction");
  auto p = r.Create("AllKeys-LRU");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name(), "lru");
}

TEST(PolicyRegistryTest, UnknownNames) {
  const PolicyRegistry& r = PolicyRegistry::Builtin();
  for (const char* name : {"", "lr", "lru ", " lru", "lruu", "volatile-lru", "allkeys-random",
                           "allkeys-fifo", "allkeys"}) {
    EXPECT_EQ(r.Create(name), nullptr) << '"' << name << '"';
    EXPECT_EQ(r.Canonical(name), "") << '"' << name << '"';
  }
}

TEST(PolicyRegistryTest, CustomRegistration) {
  PolicyRegistry r;
  EXPECT_TRUE(r.Names().empty());
  EXPECT_EQ(r.Create("lru"), nullptr) << "a fresh registry knows no built-ins";
  int made = 0;
  r.Register("mine",
             [&made] {
               ++made;
               return PolicyRegistry::Builtin().Create("fifo");
             },
             {"my-alias"});
  EXPECT_EQ(r.Names(), std::vector<std::string>{"mine"});
  EXPECT_EQ(r.Canonical("MY-ALIAS"), "mine");
  EXPECT_NE(r.Create("my-alias"), nullptr);
  EXPECT_NE(r.Create("Mine"), nullptr);
  EXPECT_EQ(made, 2);
  RegisterBuiltinPolicies(r);
  EXPECT_EQ(r.Names(),
            (std::vector<std::string>{"mine", "lru", "lfu", "fifo", "noeviction", "sieve", "slru",
                                      "s3fifo", "arc", "tinylfu", "adaptive", "gdsf"}));
}

}  // namespace
}  // namespace cairn
