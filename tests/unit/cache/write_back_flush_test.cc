// Write-back flushes write their batch with the shard lock released: requests on the shard keep
// being served while the tier is slow, and every invariant still holds for what happens during
// the flight (rewrites, EXPIRE, deletes, dirty evictions, FLUSHALL, a write-policy switch, a
// failed write). A tier whose next write parks on a latch holds a batch in flight.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <thread>

#include "cairn/cache/cache_manager.h"
#include "fake_tier.h"
#include "test_util.h"

namespace cairn {
namespace {

using namespace std::chrono_literals;
using testing::FakeTier;
using testing::GetValue;

class InFlightFlushTest : public ::testing::Test {
 protected:
  void Use(CacheOptions opts = {.shards = 1}) {
    cache_ = std::make_unique<CacheManager>(opts, clock_);
    cache_->SetBackingTier(&tier_);
    ASSERT_TRUE(cache_->SetWriteMode(WriteMode::kWriteBack).ok());
  }
  // Starts FlushDirty(max_keys) on another thread and returns once its tier write is parked.
  void StartBlockedFlush(size_t max_keys = SIZE_MAX) {
    tier_.BlockNextWrite();
    flusher_ = std::thread([this, max_keys] {
      CacheManager::FlushResult r = cache_->FlushDirty(max_keys);
      flushed_ = r.written;
      flush_err_ = r.status.message();
    });
    ASSERT_TRUE(tier_.WaitParked());
  }
  void FinishFlush() {
    tier_.Unblock();
    if (flusher_.joinable()) flusher_.join();
  }
  // Runs fn on another thread; the future is kept so that a stuck call is joined only after
  // TearDown has released the tier (a regression fails the test instead of hanging it).
  std::future<void>& Async(std::function<void()> fn) {
    pending_.push_back(std::async(std::launch::async, std::move(fn)));
    return pending_.back();
  }
  bool CompletesWithin(std::function<void()> fn, std::chrono::milliseconds timeout = 5s) {
    return Async(std::move(fn)).wait_for(timeout) == std::future_status::ready;
  }
  void TearDown() override {
    FinishFlush();
    for (auto& f : pending_) f.wait();
  }
  static std::ptrdiff_t Pos(const std::vector<std::string>& log, const std::string& op) {
    auto it = std::find(log.begin(), log.end(), op);
    return it == log.end() ? -1 : it - log.begin();
  }

  ManualClock clock_;
  FakeTier tier_;
  std::unique_ptr<CacheManager> cache_;
  std::thread flusher_;
  size_t flushed_ = 0;
  std::string flush_err_;
  std::deque<std::future<void>> pending_;  // stable references; after cache_: joined first
};

TEST_F(InFlightFlushTest, RequestsOnTheShardAreServedWhileTheTierWriteIsBlocked) {
  Use();
  ASSERT_EQ(cache_->Set("k1", "v1").status, OpStatus::kOk);
  StartBlockedFlush();
  EXPECT_TRUE(CompletesWithin([&] {
    EXPECT_EQ(GetValue(*cache_, "k1"), "v1");
    EXPECT_EQ(cache_->Set("k2", "v2").status, OpStatus::kOk);
    EXPECT_EQ(GetValue(*cache_, "k2"), "v2");
  }));
  EXPECT_EQ(tier_.size(), 0u);  // the batch is still parked
  FinishFlush();
  EXPECT_TRUE(flush_err_.empty());
  EXPECT_EQ(tier_.Value("k1"), "v1");
}

TEST_F(InFlightFlushTest, KeyRewrittenDuringTheFlightStaysDirtyAndTheNextFlushWritesIt) {
  Use();
  cache_->Set("k", "v1");
  cache_->Set("t", "x");
  StartBlockedFlush(2);  // both keys in one batch
  const int64_t exp = clock_.NowMs() + 60'000;
  EXPECT_TRUE(CompletesWithin([&] {
    EXPECT_EQ(cache_->Set("k", "v2").status, OpStatus::kOk);
    EXPECT_EQ(cache_->Expire("t", exp), OpStatus::kOk);  // a metadata change of a dirty entry
  }));
  FinishFlush();
  EXPECT_EQ(flushed_, 2u);
  EXPECT_EQ(tier_.Value("k"), "v1");  // what was in flight
  EXPECT_EQ(tier_.Record("t")->expire_at_ms, 0);
  EXPECT_EQ(cache_->dirty_keys(), 2u);  // both changed during the flight: still dirty
  EXPECT_EQ(cache_->FlushDirty().written, 2u);
  EXPECT_EQ(tier_.Value("k"), "v2");
  EXPECT_EQ(tier_.Record("t")->expire_at_ms, exp);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
  EXPECT_EQ(cache_->persist_stats().dirty_bytes, 0u);
  auto log = tier_.log();
  EXPECT_LT(Pos(log, "k=v1"), Pos(log, "k=v2"));
}

TEST_F(InFlightFlushTest, DirtyEvictionDuringTheFlightWaitsAndTheNewestValueWins) {
  Use({.shards = 1, .max_items = 2, .eviction_policy = "fifo"});
  cache_->Set("a", "1");
  cache_->Set("b", "1");
  // a=1 and b=1 in flight:
  StartBlockedFlush();
  EXPECT_TRUE(CompletesWithin([&] { cache_->Set("a", "2"); }));  // newer, dirty
  // c needs room: the FIFO victim is a, dirty with a newer value than the one in flight. Its
  // write must wait for the batch, or the older a=1 would land last.
  auto& evicting = Async([&] { EXPECT_EQ(cache_->Set("c", "3").status, OpStatus::kOk); });
  EXPECT_EQ(evicting.wait_for(50ms), std::future_status::timeout);
  FinishFlush();
  ASSERT_EQ(evicting.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(cache_->Exists("a"));
  EXPECT_EQ(tier_.Value("a"), "2");
  auto log = tier_.log();
  EXPECT_LT(Pos(log, "a=1"), Pos(log, "a=2"));
  cache_->FlushDirty();
  EXPECT_EQ(cache_->dirty_keys(), 0u);
  EXPECT_EQ(tier_.Value("a"), "2");
  EXPECT_EQ(tier_.Value("c"), "3");
}

TEST_F(InFlightFlushTest, DirtyEvictionOfAKeyNotInTheFlightDoesNotWaitForIt) {
  Use({.shards = 1, .max_items = 2, .eviction_policy = "fifo"});
  cache_->Set("b", "1");
  cache_->Set("a", "1");
  StartBlockedFlush(1);  // a round pops its smallest keys first: a=1 in flight, b dirty
  // c needs room: the FIFO victim b is dirty but has no value in flight, so it is written at
  // once instead of waiting for a batch that may hold thousands of other keys.
  ASSERT_TRUE(CompletesWithin([&] { EXPECT_EQ(cache_->Set("c", "3").status, OpStatus::kOk); }));
  EXPECT_FALSE(cache_->Exists("b"));
  EXPECT_EQ(tier_.Value("b"), "1");
  EXPECT_EQ(tier_.Value("a"), std::nullopt);  // still parked
  FinishFlush();
  EXPECT_EQ(tier_.Value("a"), "1");
  cache_->FlushDirty();
  EXPECT_EQ(cache_->dirty_keys(), 0u);
  EXPECT_EQ(tier_.Value("c"), "3");
}

TEST_F(InFlightFlushTest, DeleteDuringTheFlightEndsDeletedInTheTier) {
  Use();
  cache_->Set("k", "v");
  StartBlockedFlush(1);  // k=v in flight
  EXPECT_TRUE(CompletesWithin([&] { EXPECT_TRUE(cache_->Delete("k")); }));
  FinishFlush();
  EXPECT_EQ(tier_.Value("k"), "v");
  EXPECT_EQ(cache_->dirty_keys(), 1u);  // the delete is pending
  EXPECT_EQ(cache_->FlushDirty().written, 1u);
  EXPECT_EQ(tier_.Value("k"), std::nullopt);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(InFlightFlushTest, PutOrPutAndDeleteWhileADeleteIsInFlight) {
  Use();
  cache_->Set("k", "v1");
  cache_->Set("j", "v1");
  cache_->FlushDirty();
  cache_->Delete("k");
  cache_->Delete("j");
  StartBlockedFlush(2);  // both deletes in flight
  EXPECT_TRUE(CompletesWithin([&] {
    cache_->Set("k", "v2");  // supersedes the pending delete of k
    cache_->Set("j", "v2");
    cache_->Delete("j");  // j deleted again: the delete in flight covers it
  }));
  FinishFlush();
  EXPECT_EQ(tier_.Value("k"), std::nullopt);
  EXPECT_EQ(tier_.Value("j"), std::nullopt);
  EXPECT_EQ(cache_->dirty_keys(), 1u);  // k=v2
  EXPECT_EQ(cache_->FlushDirty().written, 1u);
  EXPECT_EQ(tier_.Value("k"), "v2");
  EXPECT_EQ(tier_.Value("j"), std::nullopt);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(InFlightFlushTest, FailedInFlightWriteKeepsEverythingDirty) {
  Use();
  for (int i = 0; i < 10; ++i) cache_->Set("k" + std::to_string(i), "old");
  StartBlockedFlush();
  tier_.FailNext(1);  // the parked write fails when released
  EXPECT_TRUE(CompletesWithin([&] {
    cache_->Set("k0", "new");
    cache_->Set("k10", "v");
  }));
  FinishFlush();
  EXPECT_EQ(flushed_, 0u);
  EXPECT_EQ(flush_err_, "injected I/O error");
  EXPECT_EQ(tier_.size(), 0u);
  EXPECT_EQ(cache_->dirty_keys(), 11u);
  EXPECT_EQ(cache_->FlushDirty().written, 11u);
  EXPECT_EQ(tier_.size(), 11u);
  EXPECT_EQ(tier_.Value("k0"), "new");
  EXPECT_EQ(tier_.Value("k9"), "old");
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(InFlightFlushTest, FlushAllWaitsForTheBatchSoNothingLandsAfterTheClear) {
  Use({.shards = 2});
  for (int i = 0; i < 20; ++i) cache_->Set("k" + std::to_string(i), "v");
  StartBlockedFlush(1);
  auto& flushing_all = Async([&] { cache_->Flush(); });
  EXPECT_EQ(flushing_all.wait_for(50ms), std::future_status::timeout);
  FinishFlush();
  ASSERT_EQ(flushing_all.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(tier_.size(), 0u);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
  EXPECT_EQ(cache_->FlushDirty().written, 0u);
  EXPECT_EQ(tier_.size(), 0u);
}

TEST_F(InFlightFlushTest, SwitchToWriteThroughDuringTheFlightKeepsPerKeyOrder) {
  Use();
  cache_->Set("k", "v1");
  StartBlockedFlush(1);  // k=v1 in flight
  auto& switching =
      Async([&] { EXPECT_TRUE(cache_->SetWriteMode(WriteMode::kWriteThrough).ok()); });
  for (int i = 0; i < 5000 && cache_->write_mode() != WriteMode::kWriteThrough; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(cache_->write_mode(), WriteMode::kWriteThrough);
  // A write-through write of k must land after the older k=v1 in flight.
  auto& writing = Async([&] { EXPECT_EQ(cache_->Set("k", "v2").status, OpStatus::kOk); });
  EXPECT_EQ(writing.wait_for(50ms), std::future_status::timeout);
  FinishFlush();
  ASSERT_EQ(switching.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(writing.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(tier_.Value("k"), "v2");
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

}  // namespace
}  // namespace cairn
