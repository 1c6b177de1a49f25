// MemoryStore's fault injection: the tool the write-policy tests use to prove that a failing store
// loses nothing.
#include "cairn/persistence/memory_store.h"
#include "owned_batch.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace cairn {
namespace {

using testing::OwnedBatch;

OwnedBatch Batch(const std::string& key, const std::string& value, uint64_t version) {
  OwnedBatch ops;
  ops.Put(key, StoredRecord{value, 0, version, 0});
  return ops;
}

TEST(MemoryStoreTest, FailsTheNextNWritesThenRecovers) {
  MemoryStore store;
  store.FailNextWrites(3, "disk full (injected)");
  for (int i = 0; i < 3; ++i) {
    Status s = store.WriteBatch(Batch("k", "v" + std::to_string(i), i + 1));
    EXPECT_EQ(s.code(), StatusCode::kIoError);
    EXPECT_EQ(s.message(), "disk full (injected)");
    EXPECT_EQ(store.size(), 0u) << "a failed batch must apply nothing";
  }
  ASSERT_TRUE(store.WriteBatch(Batch("k", "final", 9)).ok());
  auto got = store.Get("k");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->value, "final");

  MemoryStoreStats st = store.stats();
  EXPECT_EQ(st.write_batches, 4u);
  EXPECT_EQ(st.failed_batches, 3u);
  EXPECT_EQ(st.puts, 1u);
  EXPECT_EQ(st.batch_sizes, std::vector<size_t>{1});
}

TEST(MemoryStoreTest, FailedMultiOpBatchAppliesNothingAndARetrySucceeds) {
  MemoryStore store;
  ASSERT_TRUE(store.WriteBatch(OwnedBatch().Put("gone", StoredRecord{"x", 0, 1, 0})).ok());
  OwnedBatch ops;
  ops.Put("a", StoredRecord{"1", 0, 2, 0}).Delete("gone").Put("b", StoredRecord{"2", 5, 3, 0});
  store.FailNextWrites(1);
  EXPECT_FALSE(store.WriteBatch(ops).ok());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(store.Get("gone")->has_value());
  ASSERT_TRUE(store.WriteBatch(ops).ok());  // the caller kept its data and retries
  EXPECT_EQ(store.size(), 2u);
  EXPECT_FALSE(store.Get("gone")->has_value());
  EXPECT_EQ(store.stats().batch_sizes, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(store.stats().deletes, 1u);
}

TEST(MemoryStoreTest, ReadFaultsHitGetAndForEachThenRecover) {
  MemoryStore store;
  ASSERT_TRUE(store.WriteBatch(Batch("k", "v", 1)).ok());
  store.FailNextReads(2);
  EXPECT_EQ(store.Get("k").status().code(), StatusCode::kIoError);
  EXPECT_EQ(store.ForEach([](std::string_view, const StoredRecord&) { return true; }).code(),
            StatusCode::kIoError);
  EXPECT_TRUE(store.Get("k").ok());
  EXPECT_EQ(store.stats().failed_reads, 2u);
}

TEST(MemoryStoreTest, WriteHookSeesTheBatchAndCanHoldItUntilReleased) {
  MemoryStore store;
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, released = false;
  size_t seen_ops = 0;
  store.SetWriteHook([&](std::span<const StoreOp> ops) {
    std::unique_lock lock(mu);
    seen_ops = ops.size();
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return released; });
  });
  std::thread writer([&] { EXPECT_TRUE(store.WriteBatch(Batch("k", "v", 1)).ok()); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  // The flush is parked in the hook: nothing applied yet, and the store still serves reads.
  EXPECT_EQ(seen_ops, 1u);
  EXPECT_FALSE(store.Get("k")->has_value());
  {
    std::lock_guard lock(mu);
    released = true;
  }
  cv.notify_all();
  writer.join();
  EXPECT_TRUE(store.Get("k")->has_value());
}

TEST(MemoryStoreTest, FaultsCountOnlyWhileArmedAndReArmingReplacesTheCount) {
  MemoryStore store;
  store.FailNextWrites(5);
  store.FailNextWrites(1);
  EXPECT_FALSE(store.WriteBatch(Batch("k", "v", 1)).ok());
  EXPECT_TRUE(store.WriteBatch(Batch("k", "v", 1)).ok());
  store.FailNextWrites(0);
  EXPECT_TRUE(store.WriteBatch(Batch("k", "v", 2)).ok());
}

}  // namespace
}  // namespace cairn
