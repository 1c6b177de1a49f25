// CRC16 and hash slots against Redis's published values (crc16.c's test vector, the cluster
// specification's hash tag examples) and redis-server 7.0's CLUSTER KEYSLOT.
#include "cairn/cluster/key_slot.h"

#include <gtest/gtest.h>

namespace cairn::cluster {
namespace {

TEST(Crc16Test, MatchesRedisTestVector) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);  // crc16.c: "Output for "123456789" : 31C3"
  EXPECT_EQ(Crc16(""), 0);
}

TEST(KeySlotTest, MatchesRedis) {
  EXPECT_EQ(KeySlot("123456789"), 12739);
  EXPECT_EQ(KeySlot("somekey"), 11058);
  EXPECT_EQ(KeySlot("foo{hash_tag}"), 2515);
  EXPECT_EQ(KeySlot(""), 0);
}

TEST(KeySlotTest, HashTags) {
  // Only the text between the first '{' and the next '}' is hashed.
  EXPECT_EQ(KeySlot("{user1000}.following"), 3443);
  EXPECT_EQ(KeySlot("{user1000}.followers"), 3443);
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), 5061);
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), 4015);
  // An empty tag, or no closing brace: the whole key is hashed.
  EXPECT_EQ(KeySlot("foo{}{bar}"), 8363);
  EXPECT_EQ(KeySlot("foo{}{bar}"), Crc16("foo{}{bar}") % kSlots);
  EXPECT_EQ(KeySlot("{a"), 10276);
}

TEST(KeySlotTest, BinaryKeys) {
  const std::string key("a\0b", 3);
  EXPECT_EQ(KeySlot(key), Crc16(key) & (kSlots - 1));
  EXPECT_NE(KeySlot(key), KeySlot("a"));
}

}  // namespace
}  // namespace cairn::cluster
