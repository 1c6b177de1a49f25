// Victim order of LRU, FIFO and noeviction, by hand-written scenarios and against reference
// models under random operation sequences.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cairn/eviction/registry.h"
#include "entry_pool.h"
#include "resident_set.h"

namespace cairn {
namespace {

using testing::EntryPool;
using testing::kT0;
using testing::ResidentSet;

std::unique_ptr<EvictionPolicy> Create(std::string_view name) {
  auto p = PolicyRegistry::Builtin().Create(name);
  EXPECT_NE(p, nullptr) << name;
  return p;
}

// Picks and erases all victims, returning their keys.
std::vector<std::string> DrainKeys(EvictionPolicy& p) {
  std::vector<std::string> keys;
  while (Entry* v = p.PickVictim(kT0)) {
    keys.emplace_back(v->key());
    p.OnErase(*v);
    if (keys.size() > 1000) break;  // a broken policy must not hang the test
  }
  return keys;
}

TEST(LruOrderTest, VictimIsLeastRecentlyAccessed) {
  EntryPool pool;
  auto p = Create("lru");
  Entry* a = pool.Make("a");
  Entry* b = pool.Make("b");
  Entry* c = pool.Make("c");
  Entry* d = pool.Make("d");
  for (Entry* e : {a, b, c, d}) p->OnInsert(*e);
  EXPECT_EQ(p->PickVictim(kT0), a);
  EXPECT_EQ(p->PickVictim(kT0), a) << "PickVictim must not remove";
  pool.Touch(*p, *a, kT0);  // b c d a
  pool.Touch(*p, *c, kT0);  // b d a c
  pool.Touch(*p, *c, kT0);  // touching the most recent is a no-op
  EXPECT_EQ(DrainKeys(*p), (std::vector<std::string>{"b", "d", "a", "c"}));
}

TEST(LruOrderTest, InsertAfterAccessesGoesToTheHotEnd) {
  EntryPool pool;
  auto p = Create("lru");
  Entry* a = pool.Make("a");
  Entry* b = pool.Make("b");
  p->OnInsert(*a);
  p->OnInsert(*b);
  pool.Touch(*p, *a, kT0);
  Entry* c = pool.Make("c");
  p->OnInsert(*c);
  EXPECT_EQ(DrainKeys(*p), (std::vector<std::string>{"b", "a", "c"}));
}

TEST(FifoOrderTest, AccessesDoNotReorder) {
  EntryPool pool;
  auto p = Create("fifo");
  Entry* a = pool.Make("a");
  Entry* b = pool.Make("b");
  Entry* c = pool.Make("c");
  for (Entry* e : {a, b, c}) p->OnInsert(*e);
  for (int i = 0; i < 10; ++i) pool.Touch(*p, *a, kT0 + i);
  pool.Touch(*p, *b, kT0);
  uint64_t work = p->work();
  pool.Touch(*p, *a, kT0);
  EXPECT_EQ(p->work(), work) << "FIFO does no work on access";
  EXPECT_EQ(DrainKeys(*p), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(FifoOrderTest, ReinsertAfterEraseIsNewest) {
  EntryPool pool;
  auto p = Create("fifo");
  Entry* a = pool.Make("a");
  Entry* b = pool.Make("b");
  p->OnInsert(*a);
  p->OnInsert(*b);
  p->OnErase(*a);
  Entry* a2 = pool.Make("a");
  p->OnInsert(*a2);
  EXPECT_EQ(DrainKeys(*p), (std::vector<std::string>{"b", "a"}));
}

TEST(NoEvictionTest, NeverYieldsAVictim) {
  EntryPool pool;
  auto p = Create("noeviction");
  std::vector<Entry*> entries;
  for (int i = 0; i < 1000; ++i) {
    entries.push_back(pool.Make(i));
    p->OnInsert(*entries.back());
  }
  for (int i = 0; i < 1000; i += 3) pool.Touch(*p, *entries[i], kT0 + i);
  p->OnReplace(*entries[5], *pool.Make("key:5"));
  for (uint32_t t = 0; t < 100; ++t) EXPECT_EQ(p->PickVictim(kT0 + t * 3600), nullptr);
  EXPECT_EQ(p->work(), 0u);
  EXPECT_EQ(p->MetadataBytes(), 0u);
}

// Reference models: an explicit ordered list (LRU, FIFO) and (bucket, last-touch sequence) with
// time standing still, so that LFU aging never applies (LFU).
class Model {
 public:
  explicit Model(std::string_view policy) : policy_(policy) {}

  void Insert(Entry* e) { Place(e, e->freq(), ++seq_); }
  void Access(Entry* e) {
    if (policy_ == "fifo") return;
    Remove(e);
    Place(e, policy_ == "lfu" ? e->freq() : 0, ++seq_);
  }
  void Replace(Entry* old, Entry* fresh) {
    auto [bucket, seq] = where_.at(old);
    Remove(old);
    Place(fresh, bucket, seq);
  }
  void Remove(Entry* e) {
    auto [bucket, seq] = where_.at(e);
    order_.erase({bucket, seq});
    where_.erase(e);
  }
  Entry* Victim() const { return order_.empty() ? nullptr : order_.begin()->second; }

 private:
  void Place(Entry* e, uint8_t bucket, uint64_t seq) {
    uint8_t b = policy_ == "lfu" ? bucket : 0;
    where_[e] = {b, seq};
    order_[{b, seq}] = e;
  }

  std::string policy_;
  uint64_t seq_ = 0;
  std::map<std::pair<uint8_t, uint64_t>, Entry*> order_;
  std::unordered_map<Entry*, std::pair<uint8_t, uint64_t>> where_;
};

class ModelTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelTest, MatchesReferenceUnderRandomOperations) {
  EntryPool pool;
  auto p = Create(GetParam());
  Model model(GetParam());
  ResidentSet resident;
  std::mt19937_64 rng(42);
  uint64_t id = 0;
  for (int step = 0; step < 50'000; ++step) {
    uint64_t op = resident.size() < 50 ? 0 : rng() % 10;
    if (op <= 2) {  // insert, with a spread of counters
      Entry* e = pool.Make(id++, static_cast<uint8_t>(rng() % 12));
      p->OnInsert(*e);
      model.Insert(e);
      resident.Add(e);
    } else if (op <= 5) {
      Entry* e = resident.Random(rng);
      pool.Touch(*p, *e, kT0);
      model.Access(e);
    } else if (op == 6) {
      Entry* e = resident.Random(rng);
      p->OnErase(*e);
      model.Remove(e);
      resident.Remove(e);
    } else if (op == 7) {
      Entry* old = resident.Random(rng);
      Entry* fresh = pool.Replace(*p, *old);
      model.Replace(old, fresh);
      resident.Remove(old);
      resident.Add(fresh);
    } else {  // evict
      Entry* v = p->PickVictim(kT0);
      ASSERT_EQ(v, model.Victim()) << "step " << step;
      p->OnErase(*v);
      model.Remove(v);
      resident.Remove(v);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(OrderingPolicies, ModelTest, ::testing::Values("lru", "fifo", "lfu"));

}  // namespace
}  // namespace cairn
