// RocksDbStore under write faults (issue 16): a failing disk never aborts the process, the
// store says it is failing, refuses writes with the error, keeps serving reads, and recovers by
// itself once the cause is gone. RLIMIT_FSIZE (EFBIG) stands in for a full disk: it hits every
// file the process writes, RocksDB's WAL, SSTs, MANIFEST and info log alike.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/persistence/rocksdb_store.h"
#include "file_size_limit.h"
#include "owned_batch.h"
#include "temp_dir.h"

namespace cairn {
namespace {

using testing::FileSizeLimit;
using testing::OwnedBatch;
using testing::TempDir;

class RocksDbStoreFaultTest : public ::testing::Test {
 protected:
  RocksDbOptions Options(int64_t recover_interval_ms = 0) const {
    RocksDbOptions o;
    o.path = dir_.Sub("db");
    o.block_cache_bytes = 1 << 20;
    o.recover_interval_ms = recover_interval_ms;
    return o;
  }
  std::unique_ptr<RocksDbStore> OpenOk(const RocksDbOptions& o) {
    auto r = RocksDbStore::Open(o, clock_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  // Bounded wait for the store's watchdog (every 50-200 ms here); not a timing assertion.
  static bool WaitHealthy(const RocksDbStore& s) {
    for (int i = 0; i < 400 && !s.health().ok; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return s.health().ok;
  }
  static bool Has(BackingStore& s, std::string_view key) {
    auto r = s.Get(key);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->has_value();
  }
  // A batch over the file size limit below: its WAL append fails.
  static OwnedBatch Big(const std::string& key) {
    OwnedBatch b;
    b.Put(key, {std::string(1 << 20, 'x'), 0, 1, 0});
    return b;
  }

  TempDir dir_;
  ManualClock clock_{1'700'000'000'000};
};

constexpr rlim_t kLimit = 256 << 10;

// RocksDB's own info log (<path>/LOG) aborted the process on its second line after a failed
// write (an assertion in Debian's librocksdb): it goes to Cairn's log instead, and failed
// writes, one after another, are plain errors.
TEST_F(RocksDbStoreFaultTest, RepeatedWriteFailuresAreErrorsAndNoLogFileIsWritten) {
  auto store = OpenOk(Options());
  ASSERT_NE(store, nullptr);
  {
    FileSizeLimit limit(kLimit);
    for (int i = 0; i < 3; ++i) {
      const Status s = store->WriteBatch(Big("big"));
      EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
    }
  }
  ASSERT_TRUE(WaitHealthy(*store));
  ASSERT_TRUE(store->WriteBatch(Big("big")).ok());
  ASSERT_TRUE(store->Close().ok());
  for (const auto& e : std::filesystem::directory_iterator(Options().path)) {
    EXPECT_NE(e.path().filename().string().rfind("LOG", 0), 0u) << e.path();
  }
}

// A WAL append that fails while the memtable is empty: Resume() has nothing to flush and keeps
// the failed WAL writer, whose next append asserts. The store reopens instead.
TEST_F(RocksDbStoreFaultTest, FailedWalAppendIntoAnEmptyMemtableRecoversWithoutLosingWrites) {
  auto store = OpenOk(Options(/*recover_interval_ms=*/200));  // no recovery before the checks
  ASSERT_NE(store, nullptr);
  {
    FileSizeLimit limit(kLimit);
    EXPECT_FALSE(store->WriteBatch(Big("a")).ok());
    const StoreHealth h = store->health();
    EXPECT_FALSE(h.ok);
    EXPECT_NE(h.last_error.find("File too large"), std::string::npos) << h.last_error;
    EXPECT_EQ(h.errors, 1u);
  }
  ASSERT_TRUE(WaitHealthy(*store));
  ASSERT_TRUE(store->WriteBatch(Big("a")).ok());
  ASSERT_TRUE(store->WriteBatch(Big("b")).ok());  // the second append is the one that aborted
  const StoreHealth h = store->health();
  EXPECT_TRUE(h.ok);
  EXPECT_EQ(h.recoveries, 1u);
  EXPECT_FALSE(h.last_error.empty());  // kept for the operator
  ASSERT_TRUE(store->Close().ok());
  store = OpenOk(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(Has(*store, "a"));
  EXPECT_TRUE(Has(*store, "b"));
}

TEST_F(RocksDbStoreFaultTest, ReadsAreServedWhileWritesFail) {
  auto store = OpenOk(Options(/*recover_interval_ms=*/60'000));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->WriteBatch(OwnedBatch().Put("k", {"v", 0, 1, 0})).ok());
  FileSizeLimit limit(kLimit);
  EXPECT_FALSE(store->WriteBatch(Big("big")).ok());
  EXPECT_TRUE(Has(*store, "k"));
  EXPECT_FALSE(Has(*store, "big"));
  size_t n = 0;
  EXPECT_TRUE(store
                  ->ForEach([&](std::string_view, const StoredRecord&) {
                    ++n;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(n, 1u);
}

// While failing, a write is refused at once with the store's error, even once the cause is gone,
// until the watchdog has recovered: a client of a write-through cache on a full disk gets its
// answer without a recovery attempt (a reopen) on its thread.
TEST_F(RocksDbStoreFaultTest, WritesWhileFailingAreRefusedAtOnceWithTheError) {
  auto store = OpenOk(Options(/*recover_interval_ms=*/60'000));
  ASSERT_NE(store, nullptr);
  {
    FileSizeLimit limit(kLimit);
    ASSERT_FALSE(store->WriteBatch(Big("a")).ok());
  }
  const Status s = store->WriteBatch(OwnedBatch().Put("small", {"v", 0, 1, 0}));
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("File too large"), std::string::npos) << s.ToString();
  EXPECT_FALSE(store->health().ok);
  EXPECT_EQ(store->health().recoveries, 0u);
}

// Nobody writes (write-through with idle clients): the store still recovers by itself, and the
// observer hears each transition once.
TEST_F(RocksDbStoreFaultTest, AnIdleStoreRecoversByItselfAndReportsEachTransitionOnce) {
  auto store = OpenOk(Options(/*recover_interval_ms=*/200));
  ASSERT_NE(store, nullptr);
  std::mutex mu;
  std::vector<std::pair<bool, std::string>> seen;
  store->SetHealthObserver([&](bool ok, const std::string& detail) {
    std::lock_guard lock(mu);
    seen.emplace_back(ok, detail);
  });
  {
    FileSizeLimit limit(kLimit);
    EXPECT_FALSE(store->WriteBatch(Big("a")).ok());
  }
  EXPECT_TRUE(WaitHealthy(*store));
  EXPECT_TRUE(store->WriteBatch(OwnedBatch().Put("k", {"v", 0, 1, 0})).ok());
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].first);
  EXPECT_NE(seen[0].second.find("File too large"), std::string::npos) << seen[0].second;
  EXPECT_TRUE(seen[1].first);
}

}  // namespace
}  // namespace cairn
