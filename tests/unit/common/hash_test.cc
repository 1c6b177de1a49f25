// HashKey keyed by SeedKeyHash: unkeyed it is plain XXH3 (reproducible simulations); keyed, keys
// that a client picked to share low hash bits (one shard, one index bucket) are spread again.
#include "cairn/common/hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace cairn {
namespace {

class HashTest : public ::testing::Test {
 protected:
  ~HashTest() override { SeedKeyHash(0); }  // the process-wide default for the other tests
};

TEST_F(HashTest, UnkeyedIsStableAndKeyedDependsOnTheSeed) {
  SeedKeyHash(0);
  const uint64_t plain = HashKey("key:0000000001");
  EXPECT_EQ(HashKey("key:0000000001"), plain);
  SeedKeyHash(42);
  const uint64_t keyed = HashKey("key:0000000001");
  EXPECT_NE(keyed, plain);
  EXPECT_EQ(HashKey("key:0000000001"), keyed);
  SeedKeyHash(43);
  EXPECT_NE(HashKey("key:0000000001"), keyed);
  SeedKeyHash(0);
  EXPECT_EQ(HashKey("key:0000000001"), plain);
}

TEST_F(HashTest, KeysCollidingUnkeyedAreSpreadOnceKeyed) {
  // 64 keys whose unkeyed hashes share their low 12 bits: one home bucket of a 4096-bucket
  // index, whatever the values. A keyed hash must scatter them (64 keys into 4096 buckets: a
  // handful of coincidences at most), and this at every key length XXH3 treats differently.
  for (size_t pad : {0u, 4u, 20u, 150u, 300u}) {
    SeedKeyHash(0);
    std::vector<std::string> keys;
    const std::string filler(pad, 'p');
    const uint64_t want = HashKey("seed" + filler) & 0xfff;
    for (uint64_t i = 0; keys.size() < 64; ++i) {
      std::string k = "k" + std::to_string(i) + filler;
      if ((HashKey(k) & 0xfff) == want) keys.push_back(std::move(k));
    }
    SeedKeyHash(0x9e3779b97f4a7c15ULL);
    std::set<uint64_t> buckets;
    for (const auto& k : keys) buckets.insert(HashKey(k) & 0xfff);
    EXPECT_GE(buckets.size(), 56u) << "key length " << keys[0].size();
  }
}

}  // namespace
}  // namespace cairn
