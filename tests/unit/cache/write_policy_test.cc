// Write policies (none / write-through / write-back), read-through, dirty eviction, backpressure,
// flush retries and snapshots, against an in-memory tier with fault injection.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "cairn/cache/cache_manager.h"
#include "cairn/cache/flush_service.h"
#include "cairn/events/event_bus.h"
#include "fake_tier.h"
#include "test_util.h"

namespace cairn {
namespace {

using testing::FakeTier;
using testing::GetValue;

class WritePolicyTest : public ::testing::Test {
 protected:
  void Use(WriteMode mode, CacheOptions opts = {.shards = 4}) {
    cache_ = std::make_unique<CacheManager>(opts, clock_, &bus_);
    cache_->SetBackingTier(&tier_);
    ASSERT_TRUE(cache_->SetWriteMode(mode).ok());
  }
  ManualClock clock_;
  EventBus bus_;
  FakeTier tier_;
  std::unique_ptr<CacheManager> cache_;
};

TEST_F(WritePolicyTest, NoneWritesNothing) {
  Use(WriteMode::kNone);
  cache_->Set("k", "v");
  cache_->Delete("k");
  EXPECT_EQ(tier_.ops(), 0u);
}

TEST_F(WritePolicyTest, WriteThroughWritesBeforeReturning) {
  Use(WriteMode::kWriteThrough);
  ASSERT_EQ(cache_->Set("k", "v1").status, OpStatus::kOk);
  EXPECT_EQ(tier_.Value("k"), "v1");
  std::string buf;
  cache_->Mutate("k", [&](const Entry* e) {
    buf = std::string(e->value()) + "+";
    return Mutation::Write(buf);
  });
  EXPECT_EQ(tier_.Value("k"), "v1+");
  cache_->Expire("k", clock_.NowMs() + 5000);
  EXPECT_TRUE(cache_->Delete("k"));
  EXPECT_EQ(tier_.Value("k"), std::nullopt);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(WritePolicyTest, WriteBackQueuesARewrittenKeyOnceAndCountsItsLatestSize) {
  Use(WriteMode::kWriteBack, {.shards = 1});
  for (size_t i = 1; i <= 500; ++i) {  // in place and reallocated: the value grows and shrinks
    ASSERT_EQ(cache_->Set("k", std::string(i % 7 == 0 ? 300 : i % 40, 'x')).status, OpStatus::kOk);
  }
  cache_->Set("other", "v");
  PersistStats st = cache_->persist_stats();
  EXPECT_EQ(st.dirty_keys, 2u);
  EXPECT_EQ(st.dirty_queue, 2u);  // not one slot per SET: the flusher would pop 501
  EXPECT_EQ(st.dirty_bytes, Entry::Charge(1, 500 % 40) + Entry::Charge(5, 1));
  EXPECT_EQ(cache_->FlushDirty().written, 2u);
  EXPECT_EQ(tier_.Value("k"), std::string(500 % 40, 'x'));
  st = cache_->persist_stats();
  EXPECT_EQ(st.dirty_keys, 0u);
  EXPECT_EQ(st.dirty_bytes, 0u);
  EXPECT_EQ(st.dirty_queue, 0u);
  // Rewritten after the flush: dirty and queued again.
  cache_->Set("k", "w");
  EXPECT_EQ(cache_->persist_stats().dirty_queue, 1u);
  EXPECT_EQ(cache_->persist_stats().dirty_bytes, Entry::Charge(1, 1));
}

TEST_F(WritePolicyTest, WriteBackFlushWritesAPassOfAllShardsInKeyOrder) {
  Use(WriteMode::kWriteBack, {.shards = 8});
  std::set<std::string> keys;
  for (int i = 0; i < 400; ++i) {
    const std::string key = "k" + std::to_string((i * 7919) % 1000);  // not in key order
    keys.insert(key);
    ASSERT_EQ(cache_->Set(key, "v").status, OpStatus::kOk);
  }
  EXPECT_EQ(cache_->FlushDirty().written, keys.size());
  // 400 keys over 8 shards fit one pass: one tier write, in key order (RocksDB's memtable
  // inserts of a sorted run are cheap), not one unordered write per shard.
  ASSERT_EQ(tier_.batches().size(), 1u);
  std::vector<std::string> expected;
  for (const std::string& k : keys) expected.push_back(k + "=v");
  EXPECT_EQ(tier_.log(), expected);
}

TEST_F(WritePolicyTest, WriteBackRoundIsWrittenInKeyOrderPassAfterPass) {
  Use(WriteMode::kWriteBack, {.shards = 8});
  std::set<std::string> keys;
  for (int i = 0; i < 50000; ++i) {
    std::string key = "k" + std::to_string((i * 7919) % 100000);  // not in key order
    ASSERT_EQ(cache_->Set(key, "v").status, OpStatus::kOk);
    keys.insert(std::move(key));
  }
  EXPECT_EQ(cache_->FlushDirty().written, keys.size());
  // More than one pass (a pass is about 16k keys), each a stretch of the round's key order:
  // the log of all passes is the whole round sorted (RocksDB's memtable inserts of close keys
  // are cheap), not passes of keys spread over the key space.
  const std::vector<size_t> batches = tier_.batches();
  ASSERT_GE(batches.size(), 3u);
  for (size_t b : batches) EXPECT_LE(b, 2u * 16384);
  std::vector<std::string> expected;
  for (const std::string& k : keys) expected.push_back(k + "=v");
  EXPECT_EQ(tier_.log(), expected);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
  EXPECT_EQ(cache_->persist_stats().dirty_queue, 0u);
}

TEST_F(WritePolicyTest, WriteBackPassSkipsAShardWithNoKeysUpToItsBound) {
  Use(WriteMode::kWriteBack, {.shards = 2});
  // Keys of shard 1 sort after every key of shard 0: the round's first passes take nothing
  // from shard 1, whose previous batch (z0) must not be written again.
  auto keys_of_shard = [&](char prefix, size_t shard, size_t n) {
    std::vector<std::string> keys;
    for (int i = 0; keys.size() < n; ++i) {
      std::string k = prefix + std::to_string(i);
      if (cache_->ShardOf(k) == shard) keys.push_back(std::move(k));
    }
    return keys;
  };
  const std::vector<std::string> high = keys_of_shard('z', 1, 5);
  cache_->Set(high[0], "v");
  ASSERT_EQ(cache_->FlushDirty().written, 1u);
  std::set<std::string> round;
  for (const std::string& k : keys_of_shard('a', 0, 40000)) round.insert(k);
  for (size_t i = 1; i < high.size(); ++i) round.insert(high[i]);
  for (const std::string& k : round) cache_->Set(k, "v");
  EXPECT_EQ(cache_->FlushDirty().written, round.size());
  EXPECT_GE(tier_.batches().size(), 3u);
  std::vector<std::string> expected{high[0] + "=v"};
  for (const std::string& k : round) expected.push_back(k + "=v");
  EXPECT_EQ(tier_.log(), expected);
}

TEST_F(WritePolicyTest, WriteBackFlushCutShortLeavesTheRestOfTheRoundForTheNext) {
  Use(WriteMode::kWriteBack, {.shards = 4});
  for (int i = 0; i < 100; ++i) cache_->Set("a" + std::to_string(i), "v");
  EXPECT_EQ(cache_->FlushDirty(10).written, 10u);  // a writer under backpressure helps
  EXPECT_EQ(cache_->dirty_keys(), 90u);
  EXPECT_EQ(cache_->persist_stats().dirty_queue, 90u);
  cache_->Set("b", "v");  // queued after the round started: the next round absorbs it
  EXPECT_EQ(cache_->FlushDirty(SIZE_MAX, /*drain=*/false).written, 91u);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
  // The cut-short pass took its first shard's smallest keys; the next round wrote the rest
  // and the late key in one pass, in key order.
  std::vector<std::string> log = tier_.log();
  ASSERT_EQ(log.size(), 101u);
  for (std::string& op : log) op.resize(op.find('='));  // the key of "key=value"
  EXPECT_TRUE(std::is_sorted(log.begin(), log.begin() + 10));
  EXPECT_TRUE(std::is_sorted(log.begin() + 10, log.end()));
  EXPECT_EQ(log.back(), "b");
}

TEST_F(WritePolicyTest, WriteBackTimerRoundFlushesWhatWasQueuedWhenItStarted) {
  Use(WriteMode::kWriteBack, {.shards = 2});
  cache_->Set("a", "1");
  cache_->Set("b", "1");
  // During the round's tier write a client dirties another key.
  tier_.BeforeNextWrite([&] { cache_->Set("late", "1"); });
  EXPECT_EQ(cache_->FlushDirty(SIZE_MAX, /*drain=*/false).written, 2u);
  EXPECT_EQ(tier_.Value("late"), std::nullopt);  // left for the next round to coalesce
  EXPECT_EQ(cache_->dirty_keys(), 1u);
  tier_.BeforeNextWrite([&] { cache_->Set("later", "1"); });
  EXPECT_EQ(cache_->FlushDirty().written, 2u);  // drain: until nothing is queued
  EXPECT_EQ(tier_.Value("later"), "1");
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(WritePolicyTest, WriteBackOldestDirtyAgeFollowsTheRoundsUnderASteadyLoad) {
  Use(WriteMode::kWriteBack, {.shards = 2});
  auto age = [&] { return cache_->persist_stats().oldest_dirty_age_ms; };
  EXPECT_EQ(age(), 0);
  cache_->Set("a", "1");
  clock_.Advance(400);
  EXPECT_EQ(age(), 400);
  // Each round, a client writes a new key while the round is written: the queue is never
  // empty, yet the age is that of the oldest write not flushed, not of the first one ever.
  for (int round = 0; round < 3; ++round) {
    tier_.BeforeNextWrite([&] {
      clock_.Advance(100);
      cache_->Set("k" + std::to_string(round), "1");
    });
    ASSERT_EQ(cache_->FlushDirty(SIZE_MAX, /*drain=*/false).written, 1u);
    clock_.Advance(900);
    EXPECT_EQ(age(), 900) << "round " << round;
  }
  // A key rewritten while its batch is in flight stays dirty, aged from that flight.
  tier_.BeforeNextWrite([&] {
    clock_.Advance(50);
    cache_->Set("k2", "2");
  });
  ASSERT_EQ(cache_->FlushDirty(SIZE_MAX, /*drain=*/false).written, 1u);
  EXPECT_EQ(cache_->dirty_keys(), 1u);
  clock_.Advance(300);
  EXPECT_EQ(age(), 350);
  // A failed flush puts its keys back, with their age.
  tier_.FailNext(1);
  EXPECT_EQ(cache_->FlushDirty().written, 0u);
  clock_.Advance(10);
  EXPECT_EQ(age(), 360);
  EXPECT_EQ(cache_->FlushDirty().written, 1u);
  EXPECT_EQ(age(), 0);
}

TEST_F(WritePolicyTest, WriteThroughFailureChangesNothing) {
  Use(WriteMode::kWriteThrough);
  cache_->Set("k", "old");
  tier_.FailNext(1);
  EXPECT_EQ(cache_->Set("k", "new").status, OpStatus::kIoError);
  EXPECT_EQ(cache_->tier_error().message(), "injected I/O error");
  EXPECT_EQ(GetValue(*cache_, "k"), "old");
  tier_.FailNext(1);
  EXPECT_FALSE(cache_->Delete("k"));
  EXPECT_EQ(GetValue(*cache_, "k"), "old");
  tier_.FailNext(1);
  EXPECT_EQ(cache_->Set("fresh", "v").status, OpStatus::kIoError);
  EXPECT_FALSE(cache_->Exists("fresh"));
  EXPECT_EQ(cache_->Stats().bytes, testing::SumCharges(*cache_));
}

TEST_F(WritePolicyTest, WriteThroughMultiKeyOpsAreOneBatch) {
  Use(WriteMode::kWriteThrough);
  std::vector<std::pair<std::string_view, std::string_view>> kv = {
      {"a", "1"}, {"b", "2"}, {"c", "3"}};
  ASSERT_EQ(cache_->MultiSet(kv), OpStatus::kOk);
  EXPECT_EQ(tier_.batches().back(), 3u);
  ASSERT_EQ(cache_->Rename("a", "z"), OpStatus::kOk);
  EXPECT_EQ(tier_.batches().back(), 2u);
  EXPECT_EQ(tier_.Value("a"), std::nullopt);
  EXPECT_EQ(tier_.Value("z"), "1");
  tier_.FailNext(1);
  std::vector<std::pair<std::string_view, std::string_view>> kv2 = {{"x", "1"}, {"y", "2"}};
  EXPECT_EQ(cache_->MultiSet(kv2), OpStatus::kIoError);
  EXPECT_FALSE(cache_->Exists("x"));
  EXPECT_FALSE(cache_->Exists("y"));
}

TEST_F(WritePolicyTest, WriteBackCoalescesAndFlushesDeletesAndExpirations) {
  Use(WriteMode::kWriteBack);
  for (int i = 0; i < 5; ++i) cache_->Set("k", "v" + std::to_string(i));
  cache_->Set("gone", "x");
  cache_->Set("ttl", "x", {.expire_at_ms = clock_.NowMs() + 10});
  EXPECT_EQ(tier_.ops(), 0u);  // nothing written yet
  EXPECT_EQ(cache_->dirty_keys(), 3u);
  const CacheManager::FlushResult r = cache_->FlushDirty();
  EXPECT_EQ(r.written, 3u);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(tier_.Value("k"), "v4");  // only the last value per key
  EXPECT_EQ(cache_->dirty_keys(), 0u);
  EXPECT_EQ(cache_->persist_stats().dirty_bytes, 0u);
  cache_->Delete("gone");
  clock_.Advance(20);
  cache_->ActiveExpireCycle();
  EXPECT_EQ(cache_->dirty_keys(), 2u);
  EXPECT_EQ(cache_->FlushDirty().written, 2u);
  EXPECT_EQ(tier_.Value("gone"), std::nullopt);
  EXPECT_EQ(tier_.Value("ttl"), std::nullopt);
}

TEST_F(WritePolicyTest, FailedFlushKeepsEverythingDirtyAndRetriesLater) {
  Use(WriteMode::kWriteBack);
  std::atomic<int> errors{0};
  bus_.Subscribe(MaskOf(EventType::kFlushError), [&](const Event&) { ++errors; });
  for (int i = 0; i < 100; ++i) cache_->Set("k" + std::to_string(i), "v");
  FlushService flusher(*cache_, 1000, 0);
  tier_.FailNext(3);
  for (int i = 0; i < 3; ++i) {
    const CacheManager::FlushResult r = flusher.FlushNow();
    EXPECT_EQ(r.written, 0u);
    EXPECT_EQ(r.status.message(), "injected I/O error");
    EXPECT_EQ(cache_->dirty_keys(), 100u);  // nothing lost, nothing marked clean
  }
  const CacheManager::FlushResult r = flusher.FlushNow();
  EXPECT_EQ(r.written, 100u);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(tier_.size(), 100u);
  auto st = flusher.stats();
  EXPECT_EQ(st.flush_errors, 3u);
  EXPECT_EQ(st.flushed_keys, 100u);
  EXPECT_EQ(st.last_flush_status, "ok");
  bus_.Drain();
  EXPECT_EQ(errors.load(), 3);
}

// A failing store (a full disk) is retried with backoff, capped so that flushing resumes within
// kMaxBackoffMs of the cause going away whatever the interval; Wake() (the store recovered by
// itself) ends the wait at once.
TEST_F(WritePolicyTest, FlushBackoffIsCappedAndWakeEndsIt) {
  Use(WriteMode::kWriteBack);
  for (int i = 0; i < 10; ++i) cache_->Set("k" + std::to_string(i), "v");
  FlushService flusher(*cache_, /*interval_ms=*/3'600'000, 0);
  tier_.FailNext(1);
  const CacheManager::FlushResult r = flusher.FlushNow();
  EXPECT_EQ(r.written, 0u);
  ASSERT_FALSE(r.status.ok());
  flusher.Start();
  for (int i = 0; i < 500 && flusher.stats().next_retry_in_ms == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(flusher.stats().next_retry_in_ms, FlushService::kMaxBackoffMs);  // not 2 hours
  EXPECT_EQ(cache_->dirty_keys(), 10u);
  flusher.Wake();
  // Bounded wait, well under the 5 s backoff the wake cut short. The pass records its status
  // after its keys are clean: wait for both (under TSan the gap was seen).
  for (int i = 0;
       i < 1500 && (cache_->dirty_keys() > 0 || flusher.stats().last_flush_status != "ok"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(cache_->dirty_keys(), 0u);
  EXPECT_EQ(tier_.size(), 10u);
  EXPECT_EQ(flusher.stats().last_flush_status, "ok");
  flusher.Stop();
}

TEST_F(WritePolicyTest, DirtyEntryIsWrittenBeforeEviction) {
  Use(WriteMode::kWriteBack, {.shards = 1, .max_items = 2, .eviction_policy = "lru"});
  cache_->Set("a", "1");
  cache_->Set("b", "2");
  cache_->Set("c", "3");  // evicts a, which is dirty: written first
  EXPECT_FALSE(cache_->Exists("a"));
  EXPECT_EQ(tier_.Value("a"), "1");
  // If the tier is down, a dirty victim is kept and the write refused instead.
  tier_.FailNext(100);
  EXPECT_EQ(cache_->Set("d", "4").status, OpStatus::kOutOfMemory);
  EXPECT_TRUE(cache_->Exists("b"));
  EXPECT_TRUE(cache_->Exists("c"));
  tier_.FailNext(0);
  EXPECT_EQ(cache_->Set("d", "4").status, OpStatus::kOk);
  EXPECT_EQ(tier_.Value("b"), "2");
}

TEST_F(WritePolicyTest, SwitchFromWriteBackFlushesFirst) {
  Use(WriteMode::kWriteBack);
  for (int i = 0; i < 50; ++i) cache_->Set("k" + std::to_string(i), "v");
  tier_.FailNext(1);
  EXPECT_FALSE(cache_->SetWriteMode(WriteMode::kWriteThrough).ok());
  EXPECT_EQ(cache_->write_mode(), WriteMode::kWriteBack);
  EXPECT_TRUE(cache_->SetWriteMode(WriteMode::kWriteThrough).ok());
  EXPECT_EQ(tier_.size(), 50u);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(WritePolicyTest, ReadThroughServesEvictedAndStoredKeys) {
  Use(WriteMode::kWriteThrough, {.shards = 1, .max_items = 2, .eviction_policy = "lru"});
  cache_->SetReadThrough(true);
  cache_->Set("a", "1");
  cache_->Set("b", "2");
  cache_->Set("c", "3");                      // evicts a (clean: it is in the tier)
  EXPECT_EQ(GetValue(*cache_, "a"), "1");     // read through, and cached again
  tier_.Put("old", "x", clock_.NowMs() - 1);  // expired in the tier: not served
  EXPECT_EQ(GetValue(*cache_, "old"), "<missing>");
  EXPECT_EQ(GetValue(*cache_, "never"), "<missing>");
  auto st = cache_->persist_stats();
  EXPECT_EQ(st.read_through_hits, 1u);
  EXPECT_EQ(st.read_through_misses, 2u);
}

TEST_F(WritePolicyTest, ReadThroughDoesNotResurrectPendingDeletes) {
  Use(WriteMode::kWriteBack);
  cache_->SetReadThrough(true);
  tier_.Put("k", "stale");
  cache_->Set("k", "v");
  cache_->Delete("k");  // the delete is pending; the tier still has "stale"
  EXPECT_EQ(GetValue(*cache_, "k"), "<missing>");
}

TEST_F(WritePolicyTest, BackpressureRejectsAboveHardLimit) {
  Use(WriteMode::kWriteBack);
  cache_->SetWriteBackLimits({.max_keys = 10, .reject = true});
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(cache_->Set("k" + std::to_string(i), "v").status, OpStatus::kOk);
  EXPECT_EQ(cache_->Set("over", "v").status, OpStatus::kBackpressure);
  EXPECT_FALSE(cache_->Exists("over"));
  cache_->FlushDirty();
  EXPECT_EQ(cache_->Set("over", "v").status, OpStatus::kOk);
  // Block mode: the writer flushes the backlog itself and proceeds.
  cache_->SetWriteBackLimits({.max_keys = 5, .reject = false, .block_ms = 1000});
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(cache_->Set("b" + std::to_string(i), "v").status, OpStatus::kOk);
  EXPECT_LE(cache_->dirty_keys(), 5u);
}

TEST_F(WritePolicyTest, BackpressureAlsoBoundsDirtyBytes) {
  Use(WriteMode::kWriteBack);
  const std::string big(1000, 'x');
  const uint64_t charge = Entry::Charge(2, big.size());
  cache_->SetWriteBackLimits({.max_bytes = 3 * charge, .reject = true});  // no key-count limit
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(cache_->Set("k" + std::to_string(i), big).status, OpStatus::kOk);
  }
  EXPECT_EQ(cache_->persist_stats().dirty_bytes, 3 * charge);
  EXPECT_EQ(cache_->Set("k3", big).status, OpStatus::kBackpressure);
  EXPECT_FALSE(cache_->Exists("k3"));
  cache_->FlushDirty();
  EXPECT_EQ(cache_->Set("k3", big).status, OpStatus::kOk);
  // Block mode: the writer flushes until the dirty bytes are under the limit, then proceeds.
  cache_->SetWriteBackLimits({.max_bytes = 2 * charge, .reject = false, .block_ms = 1000});
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(cache_->Set("b" + std::to_string(i), big).status, OpStatus::kOk);
  }
  EXPECT_LE(cache_->persist_stats().dirty_bytes, 2 * charge);
  EXPECT_EQ(tier_.Value("b0"), big);
}

TEST_F(WritePolicyTest, CaptureRestoreRoundTrip) {
  Use(WriteMode::kNone);
  for (int i = 0; i < 1000; ++i) {
    cache_->Set("k" + std::to_string(i), "v" + std::to_string(i),
                {.expire_at_ms = i % 3 == 0 ? clock_.NowMs() + 100000 : 0});
  }
  std::vector<CacheManager::RestoreEntry> snap;
  cache_->Capture([&](const Entry& e) {
    snap.push_back({std::string(e.key()), std::string(e.value()), e.expire_at_ms(), e.freq(),
                    e.last_access_s()});
  });
  auto before = testing::Dump(*cache_);
  EXPECT_EQ(cache_->Flush(), OpStatus::kOk);
  cache_->Set("other", "x");
  cache_->Restore(snap);
  EXPECT_EQ(testing::Dump(*cache_), before);
  EXPECT_EQ(cache_->Stats().expires, 334u);
  EXPECT_EQ(cache_->Stats().bytes, testing::SumCharges(*cache_));
}

TEST_F(WritePolicyTest, CaptureChunksAreBoundedAndReleaseTheShardBetweenChunks) {
  Use(WriteMode::kNone, {.shards = 1});
  constexpr int kKeys = 3000;
  for (int i = 0; i < kKeys; ++i) cache_->Set("k" + std::to_string(i), "v");
  std::set<std::string> seen;
  size_t chunks = 0, largest = 0;
  uint64_t cursor = 0;
  do {
    size_t n = 0;
    cursor = cache_->CaptureChunk(0, cursor, [&](const Entry& e) {
      ++n;
      seen.emplace(e.key());
    });
    ++chunks;
    largest = std::max(largest, n);
    // The lock is free between two chunks: a write on the same shard goes through here (it
    // would deadlock if the walk still held the shard's mutex).
    if (cursor != 0) {
      ASSERT_EQ(cache_->Set("between", "x").status, OpStatus::kOk);
    }
  } while (cursor != 0);
  EXPECT_GE(chunks, static_cast<size_t>(kKeys / 256));
  EXPECT_LE(largest, 256u + 8u);  // a bucket is never split: a chunk may end a few past 256
  for (int i = 0; i < kKeys; ++i) {
    EXPECT_TRUE(seen.contains("k" + std::to_string(i))) << i;
  }
}

TEST_F(WritePolicyTest, FlushAllClearsTheTierToo) {
  Use(WriteMode::kWriteThrough);
  cache_->Set("a", "1");
  cache_->Flush();
  EXPECT_EQ(tier_.size(), 0u);
}

}  // namespace
}  // namespace cairn
