// Several threads doing random operations on overlapping keys, with capacity limits, active
// expiry and policy swaps running at the same time; invariants checked at the end. Meant to run
// under ThreadSanitizer too (cmake -DCAIRN_SANITIZE=thread).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "cairn/cache/cache_manager.h"
#include "cairn/cache/flush_service.h"
#include "cairn/events/event_bus.h"
#include "fake_tier.h"
#include "test_util.h"

namespace cairn {
namespace {

void RandomOps(CacheManager& c, int seed, int ops, ManualClock& clock) {
  std::mt19937 rng(seed);
  std::string buf;
  for (int i = 0; i < ops; ++i) {
    std::string key = "k" + std::to_string(rng() % 300);
    switch (rng() % 12) {
      case 0:
      case 1:
        c.Set(key, std::string(rng() % 64, 'v'));
        break;
      case 2:
        c.Set(key, "t", {.expire_at_ms = clock.NowMs() + static_cast<int64_t>(rng() % 50)});
        break;
      case 3:
        c.Delete(key);
        break;
      case 4:
        c.Mutate(key, [&](const Entry* e) {
          buf.assign(e == nullptr ? "" : e->value());
          buf += "x";
          if (buf.size() > 100) buf.clear();
          return Mutation::Write(buf);
        });
        break;
      case 5: {
        std::string k2 = "k" + std::to_string(rng() % 300);
        std::vector<std::pair<std::string_view, std::string_view>> kv = {{key, "m"}, {k2, "n"}};
        c.MultiSet(kv, rng() % 2 == 0);
        break;
      }
      case 6:
        c.Rename(key, "k" + std::to_string(rng() % 300), rng() % 2 == 0);
        break;
      case 7:
        c.Expire(key, clock.NowMs() + static_cast<int64_t>(rng() % 100));
        break;
      case 8:
        c.Scan(rng() % 64, 10, [](const Entry&) {});
        break;
      default:
        c.Get(key, [](const Entry& e) { (void)e.value().size(); });
        break;
    }
    if (i % 500 == 0) clock.Advance(5);
  }
}

TEST(ConcurrencyTest, RandomOpsKeepInvariants) {
  ManualClock clock;
  EventBus bus(1024);
  std::atomic<uint64_t> events{0};
  bus.Subscribe(kAllEvents, [&](const Event&) { events.fetch_add(1); });
  CacheManager c({.shards = 8, .max_items = 200, .max_bytes = 16 * 1024}, clock, &bus);
  std::atomic<bool> stop{false};
  std::thread maintenance([&] {
    const char* policies[] = {"lru", "lfu", "fifo", "lru"};
    int n = 0;
    while (!stop.load()) {
      c.ActiveExpireCycle(1000);
      if (++n % 20 == 0) c.SetPolicy(policies[(n / 20) % 4]);
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] { RandomOps(c, t + 1, 20'000, clock); });
  }
  for (auto& w : workers) w.join();
  stop = true;
  maintenance.join();
  // Keys that expired after the last active-expiry cycle are still resident (counted by Stats)
  // but invisible to SCAN: a read of every key in the key space (k0..k299) reaps them lazily.
  for (int i = 0; i < 300; ++i) c.Get("k" + std::to_string(i), [](const Entry&) {});
  bus.Drain();

  auto st = c.Stats();
  auto dump = testing::Dump(c);
  EXPECT_EQ(st.items, dump.size());
  EXPECT_EQ(st.items, c.Size());
  EXPECT_EQ(st.bytes, testing::SumCharges(c));
  EXPECT_LE(st.items, 200u);
  EXPECT_LE(st.bytes, 16u * 1024);
  EXPECT_GT(st.sets, 0u);
  EXPECT_GT(events.load() + bus.dropped(), 0u);
}

TEST(ConcurrencyTest, PolicySwapUnderLoadNeverFailsOperations) {
  ManualClock clock;
  CacheManager c({.shards = 4}, clock);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; !stop.load() && i < 200'000; ++i) {
        std::string key = "t" + std::to_string(t) + ":" + std::to_string(i % 1000);
        if (c.Set(key, "v").status != OpStatus::kOk) failures.fetch_add(1);
        if (c.Get(key, [](const Entry&) {}) != OpStatus::kOk) failures.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.SetPolicy(i % 2 ? "lfu" : "lru"));
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0u);
}

TEST(ConcurrencyTest, WritePolicySwapsUnderLoadLoseNoWrite) {
  ManualClock clock;
  testing::FakeTier tier;
  CacheManager c({.shards = 4}, clock);
  c.SetBackingTier(&tier);
  ASSERT_TRUE(c.SetWriteMode(WriteMode::kWriteBack).ok());
  FlushService flusher(c, 1, 100);
  flusher.Start();
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 20'000; ++i) {
        std::string key = "k" + std::to_string(rng() % 500);
        if (rng() % 10 == 0) {
          c.Delete(key);
        } else {
          c.Set(key, std::to_string(t) + ":" + std::to_string(i));
        }
      }
    });
  }
  std::thread swapper([&] {
    for (int i = 0; !stop.load(); ++i) {
      c.SetWriteMode(i % 2 ? WriteMode::kWriteBack : WriteMode::kWriteThrough);
      std::this_thread::yield();
    }
  });
  for (auto& w : workers) w.join();
  stop = true;
  swapper.join();
  flusher.Stop();
  ASSERT_TRUE(c.SetWriteMode(WriteMode::kWriteThrough).ok());
  // The tier now holds exactly the cache's contents.
  auto mem = testing::Dump(c);
  EXPECT_EQ(tier.size(), mem.size());
  for (const auto& [k, v] : mem) EXPECT_EQ(tier.Value(k), v) << k;
}

// Write-back under load with two flushers (the FlushService and a direct FlushDirty loop) whose
// batches are written with the shard lock released, while writers rewrite, delete, rename,
// expire and evict the same keys. Once everything is flushed, every resident key's latest value
// and expiry are in the tier (and with no capacity limit, the tier holds exactly the cache).
TEST(ConcurrencyTest, WriteBackFlushesOutsideTheLockKeepTheTierInOrder) {
  for (uint64_t max_items : {uint64_t{0}, uint64_t{100}}) {
    SCOPED_TRACE(max_items);
    ManualClock clock;
    testing::FakeTier tier;
    CacheManager c({.shards = 4, .max_items = max_items}, clock);
    c.SetBackingTier(&tier);
    ASSERT_TRUE(c.SetWriteMode(WriteMode::kWriteBack).ok());
    FlushService service(c, 1, 20);
    service.Start();
    std::atomic<bool> stop{false};
    std::thread direct([&] {
      while (!stop.load()) {
        c.FlushDirty(50);
        std::this_thread::yield();
      }
    });
    std::vector<std::thread> workers;
    for (int t = 0; t < 3; ++t) {
      workers.emplace_back([&, t] {
        std::mt19937 rng(t + 7);
        std::string buf;
        const int64_t far = clock.NowMs() + 3'600'000;
        for (int i = 0; i < 15'000; ++i) {
          std::string key = "k" + std::to_string(rng() % 300);
          switch (rng() % 8) {
            case 0:
              c.Delete(key);
              break;
            case 1:
              c.Rename(key, "k" + std::to_string(rng() % 300));
              break;
            case 2:
              c.Expire(key, far + static_cast<int64_t>(rng() % 1000));
              break;
            case 3:
              c.Persist(key);
              break;
            case 4:
              c.Mutate(key, [&](const Entry* e) {
                buf.assign(e == nullptr ? "" : e->value().substr(0, 20));
                buf += "m";
                return Mutation::Write(buf);
              });
              break;
            default:
              c.Set(key, std::to_string(t) + ":" + std::to_string(i));
              break;
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    stop = true;
    direct.join();
    service.Stop();
    const CacheManager::FlushResult r = c.FlushDirty();
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(c.dirty_keys(), 0u);
    size_t resident = 0;
    uint64_t cursor = 0;
    do {
      cursor = c.Scan(cursor, 100, [&](const Entry& e) {
        ++resident;
        auto rec = tier.Record(std::string(e.key()));
        ASSERT_TRUE(rec.has_value()) << e.key();
        EXPECT_EQ(rec->value, e.value()) << e.key();
        EXPECT_EQ(rec->expire_at_ms, e.expire_at_ms()) << e.key();
      });
    } while (cursor != 0);
    if (max_items == 0) {
      EXPECT_EQ(tier.size(), resident);
    }
  }
}

}  // namespace
}  // namespace cairn
