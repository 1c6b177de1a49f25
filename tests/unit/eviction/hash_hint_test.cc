// EvictionPolicy::HintHash: a policy reads the caller's hash for the hinted entry only, and only
// until ClearHint; with or without hints a policy makes the same decisions.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <unordered_map>

#include "cairn/common/hash.h"
#include "cairn/eviction/registry.h"
#include "entry_pool.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;

class Probe final : public EvictionPolicy {
 public:
  uint64_t Hash(const Entry& e) const { return KeyHash(e); }
  std::string_view name() const override { return "probe"; }
  void OnInsert(Entry&) override {}
  void OnAccess(Entry&) override {}
  void OnErase(Entry&) override {}
  void OnReplace(Entry&, Entry&) override {}
  Entry* PickVictim(uint32_t) override { return nullptr; }
  void Clear() override {}
};

TEST(HashHintTest, KeyHashReadsTheHintForItsEntryUntilCleared) {
  EntryPool pool;
  Entry* a = pool.Make(1);
  Entry* b = pool.Make(2);
  Probe p;
  EXPECT_EQ(p.Hash(*a), HashKey(a->key()));
  p.HintHash(*a, 42);
  EXPECT_EQ(p.Hash(*a), 42u);
  EXPECT_EQ(p.Hash(*b), HashKey(b->key())) << "another entry is hashed";
  p.ClearHint();
  EXPECT_EQ(p.Hash(*a), HashKey(a->key()));
}

TEST(HashHintTest, ScopedHintIsClearedEvenWhenTheCallThrows) {
  EntryPool pool;
  Entry* a = pool.Make(1);
  Probe p;
  {
    ScopedHashHint hint(p, *a, 42);
    EXPECT_EQ(p.Hash(*a), 42u);
  }
  EXPECT_EQ(p.Hash(*a), HashKey(a->key()));
  try {
    ScopedHashHint hint(p, *a, 43);
    throw std::bad_alloc();
  } catch (const std::bad_alloc&) {
  }
  EXPECT_EQ(p.Hash(*a), HashKey(a->key())) << "a freed entry's address must not keep a hint";
}

// The same request stream with the caller's hashes hinted (as the shard does) and without:
// every policy that hashes keys (ghosts, sketches, sampling) picks the same victims.
TEST(HashHintTest, HintedAndUnhintedRunsEvictTheSameKeys) {
  for (const char* name : {"s3fifo", "arc", "tinylfu", "adaptive"}) {
    std::string victims[2];
    for (int hinted = 0; hinted < 2; ++hinted) {
      auto p = PolicyRegistry::Builtin().Create(name);
      EntryPool pool;
      std::unordered_map<uint64_t, Entry*> index;
      std::mt19937_64 rng(9);
      auto call = [&](Entry& e, auto&& fn) {
        if (hinted) p->HintHash(e, HashKey(e.key()));
        fn();
        p->ClearHint();
      };
      for (int i = 0; i < 50'000; ++i) {
        const uint64_t id = rng() % 3 == 0 ? 100'000 + rng() % 50'000 : rng() % 1500;
        if (auto it = index.find(id); it != index.end()) {
          call(*it->second, [&] { pool.Touch(*p, *it->second, kT0); });
          continue;
        }
        if (index.size() >= 1000) {
          Entry* v = p->PickVictim(kT0);
          victims[hinted] += std::string(v->key()) + ",";
          call(*v, [&] { p->OnErase(*v); });
          index.erase(std::stoull(std::string(v->key().substr(4))));
        }
        Entry* e = pool.Make(id);
        call(*e, [&] { p->OnInsert(*e); });
        index[id] = e;
      }
    }
    EXPECT_EQ(victims[0], victims[1]) << name;
  }
}

}  // namespace
}  // namespace cairn
