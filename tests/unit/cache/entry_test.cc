// Entry: the 44-byte header packs expiry and the dirty bit into one word, and the payload starts
// inside the class (at its last four bytes). Every field must round-trip its
// extremes, and neither the payload nor another field's setter may disturb it.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "cairn/cache/entry.h"

namespace cairn {
namespace {

struct Owned {
  explicit Owned(const std::string& key, const std::string& value)
      : mem(std::malloc(Entry::AllocSize(key.size(), value.size()))),
        e(Entry::Construct(mem, key, value)) {}
  ~Owned() {
    e->~Entry();
    std::free(mem);
  }
  void* mem;
  Entry* e;
};

TEST(EntryTest, HeaderIsFortyFourBytesAndTheChargeFollows) {
  EXPECT_EQ(Entry::kHeaderBytes, 44u);
  EXPECT_EQ(Entry::AllocSize(14, 100), 158u);
  EXPECT_EQ(Entry::Charge(14, 100), 160u + Entry::kIndexSlotCharge)
      << "jemalloc's 160 class, not 192";
  EXPECT_EQ(Entry::AllocSize(0, 0), sizeof(Entry)) << "the class's tail must be allocated";
  EXPECT_EQ(Entry::AllocSize(3, 1), sizeof(Entry));
  EXPECT_EQ(Entry::AllocSize(4, 1), 49u);
}

TEST(EntryTest, FieldsRoundTripTheirExtremesWithoutTouchingEachOtherOrThePayload) {
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"", ""},
                                   {"k", ""},
                                   {"ab", "c"},
                                   {std::string(300, 'K'), std::string(5000, 'V')}}) {
    Owned o(key, value);
    Entry& e = *o.e;
    EXPECT_FALSE(e.has_expiry());
    EXPECT_FALSE(e.dirty());
    for (uint32_t len : {0u, 1u, 0xffffu, 0xffffffffu}) {
      for (int64_t at : {int64_t{1}, int64_t{1'700'000'000'000}, Entry::kMaxExpireMs}) {
        for (bool dirty : {false, true}) {
          e.set_expire_at_ms(at);
          e.set_dirty(dirty);
          e.set_version(Entry::kMaxVersion);
          e.set_freq(255);
          e.set_last_access_s(0xffffffffu);
          e.policy_tag = 0xa5;
          e.set_value_len(len);
          EXPECT_EQ(e.value_len(), len);
          e.set_value_len(static_cast<uint32_t>(value.size()));
          EXPECT_EQ(e.expire_at_ms(), at);
          EXPECT_EQ(e.dirty(), dirty);
          EXPECT_EQ(e.version(), Entry::kMaxVersion);
          EXPECT_EQ(e.freq(), 255);
          EXPECT_EQ(e.last_access_s(), 0xffffffffu);
          EXPECT_EQ(e.policy_tag, 0xa5);
          EXPECT_EQ(e.key(), key);
          EXPECT_EQ(e.value(), value);
        }
      }
    }
    e.set_expire_at_ms(Entry::kMaxExpireMs + 12345);  // clamped, as the commands clamp
    EXPECT_EQ(e.expire_at_ms(), Entry::kMaxExpireMs);
    e.set_expire_at_ms(0);
    EXPECT_FALSE(e.has_expiry());
    e.set_expire_at_ms(1000);
    EXPECT_TRUE(e.ExpiredAt(1000));
    EXPECT_FALSE(e.ExpiredAt(999));
    // Writing the value in place leaves every header field alone.
    if (!value.empty()) {
      std::string fresh(value.size(), 'W');
      std::memcpy(e.mutable_value(), fresh.data(), fresh.size());
      EXPECT_EQ(e.value(), fresh);
      EXPECT_EQ(e.key(), key);
      EXPECT_TRUE(e.dirty());
      EXPECT_EQ(e.last_access_s(), 0xffffffffu);
      EXPECT_EQ(e.policy_tag, 0xa5);
    }
  }
}

}  // namespace
}  // namespace cairn
