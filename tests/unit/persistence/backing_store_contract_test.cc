// The BackingStore contract (backing_store.h), one typed test run against every implementation.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "cairn/common/clock.h"
#include "cairn/persistence/memory_store.h"
#include "cairn/persistence/rocksdb_store.h"
#include "owned_batch.h"
#include "temp_dir.h"

namespace cairn {
namespace {

using testing::OwnedBatch;

struct MemoryStoreFactory {
  std::unique_ptr<BackingStore> Make() { return std::make_unique<MemoryStore>(); }
  // MemoryStore lives in memory only: "reopen" keeps the same instance.
  bool reopens = false;
};

struct RocksDbStoreFactory {
  testing::TempDir dir;
  ManualClock clock;
  std::unique_ptr<BackingStore> Make() {
    RocksDbOptions o;
    o.path = dir.Sub("db");
    o.block_cache_bytes = 1 << 20;
    auto store = RocksDbStore::Open(o, clock);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  bool reopens = true;
};

template <typename Factory>
class BackingStoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = factory_.Make();
    ASSERT_NE(store_, nullptr);
  }
  std::optional<StoredRecord> GetOk(std::string_view key) {
    auto r = store_->Get(key);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : std::nullopt;
  }
  std::vector<std::pair<std::string, StoredRecord>> All() {
    std::vector<std::pair<std::string, StoredRecord>> out;
    Status s = store_->ForEach([&](std::string_view k, const StoredRecord& rec) {
      out.emplace_back(std::string(k), rec);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  Factory factory_;
  std::unique_ptr<BackingStore> store_;
};

using Stores = ::testing::Types<MemoryStoreFactory, RocksDbStoreFactory>;
TYPED_TEST_SUITE(BackingStoreContractTest, Stores);

StoredRecord Rec(std::string v, uint64_t version, int64_t expire_at_ms = 0) {
  return StoredRecord{std::move(v), expire_at_ms, version, 0};
}

TYPED_TEST(BackingStoreContractTest, GetOfAbsentKeyIsOkAndEmpty) {
  EXPECT_FALSE(this->GetOk("missing").has_value());
  EXPECT_TRUE(this->All().empty());
}

TYPED_TEST(BackingStoreContractTest, PutGetDeleteRoundTrip) {
  const std::string bin_key("k\0\xff", 3);
  const StoredRecord a{std::string("v\0\r\n", 4), 1'700'000'000'000, 5, 3};
  ASSERT_TRUE(
      this->store_->WriteBatch(OwnedBatch().Put(bin_key, a).Put("", Rec("empty key", 1))).ok());
  EXPECT_EQ(this->GetOk(bin_key), a);
  EXPECT_EQ(this->GetOk(""), Rec("empty key", 1));

  ASSERT_TRUE(this->store_->WriteBatch(OwnedBatch().Delete(bin_key).Delete("never-existed")).ok());
  EXPECT_FALSE(this->GetOk(bin_key).has_value());
  EXPECT_TRUE(this->GetOk("").has_value());
}

TYPED_TEST(BackingStoreContractTest, LaterOpOnTheSameKeyWinsWithinABatch) {
  OwnedBatch ops;
  ops.Put("a", Rec("1", 1)).Put("a", Rec("2", 2)).Put("b", Rec("x", 3)).Delete("b");
  ops.Delete("c").Put("c", Rec("back", 4));
  ASSERT_TRUE(this->store_->WriteBatch(ops).ok());
  EXPECT_EQ(this->GetOk("a"), Rec("2", 2));
  EXPECT_FALSE(this->GetOk("b").has_value());
  EXPECT_EQ(this->GetOk("c"), Rec("back", 4));
}

TYPED_TEST(BackingStoreContractTest, EmptyBatchIsANoOp) {
  EXPECT_TRUE(this->store_->WriteBatch({}).ok());
  EXPECT_TRUE(this->All().empty());
}

TYPED_TEST(BackingStoreContractTest, GetDoesNotFilterExpiredRecords) {
  ASSERT_TRUE(
      this->store_->WriteBatch(OwnedBatch().Put("old", Rec("v", 1, /*expire_at_ms=*/1))).ok());
  std::optional<StoredRecord> rec = this->GetOk("old");
  ASSERT_TRUE(rec.has_value());
  EXPECT_TRUE(rec->ExpiredAt(2));  // the reader's job, per the contract
}

TYPED_TEST(BackingStoreContractTest, ForEachVisitsAllInBytewiseOrderAndStopsWhenAsked) {
  OwnedBatch ops;
  for (int i = 999; i >= 0; --i)
    ops.Put("key:" + std::to_string(i), Rec("v" + std::to_string(i), i + 1));
  ops.Put(std::string("\xff", 1), Rec("high", 5000));
  ASSERT_TRUE(this->store_->WriteBatch(ops).ok());

  auto all = this->All();
  ASSERT_EQ(all.size(), 1001u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].first, all[i].first);
  EXPECT_EQ(all.back().first, std::string("\xff", 1));
  for (const auto& [k, rec] : all) {
    if (k.starts_with("key:")) {
      EXPECT_EQ(rec.value, "v" + k.substr(4));
    }
  }

  int seen = 0;
  Status s =
      this->store_->ForEach([&](std::string_view, const StoredRecord&) { return ++seen < 10; });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(seen, 10);
}

TYPED_TEST(BackingStoreContractTest, ConcurrentWritersOnDisjointKeysAllLand) {
  constexpr int kThreads = 4, kBatches = 50, kPerBatch = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        OwnedBatch ops;
        for (int i = 0; i < kPerBatch; ++i) {
          ops.Put(std::to_string(t) + ":" + std::to_string(b * kPerBatch + i),
                  Rec("v", static_cast<uint64_t>(b)));
        }
        EXPECT_TRUE(this->store_->WriteBatch(ops).ok());
        EXPECT_TRUE(this->store_->Get(std::to_string((t + 1) % kThreads) + ":0").ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(this->All().size(), size_t{kThreads * kBatches * kPerBatch});
}

TYPED_TEST(BackingStoreContractTest, DataSurvivesReopen) {
  ASSERT_TRUE(this->store_->WriteBatch(OwnedBatch().Put("durable", Rec("yes", 9, 123))).ok());
  if (this->factory_.reopens) {
    ASSERT_TRUE(this->store_->Close().ok());
    this->store_.reset();
    this->store_ = this->factory_.Make();
    ASSERT_NE(this->store_, nullptr);
  }
  EXPECT_EQ(this->GetOk("durable"), Rec("yes", 9, 123));
}

TYPED_TEST(BackingStoreContractTest, EveryCallAfterCloseReportsClosed) {
  ASSERT_TRUE(this->store_->Close().ok());
  EXPECT_TRUE(this->store_->Close().ok());  // idempotent
  EXPECT_EQ(this->store_->Get("k").status().code(), StatusCode::kClosed);
  EXPECT_EQ(this->store_->WriteBatch(OwnedBatch().Put("k", Rec("v", 1))).code(),
            StatusCode::kClosed);
  EXPECT_EQ(
      this->store_->ForEach([](std::string_view, const StoredRecord&) { return true; }).code(),
      StatusCode::kClosed);
}

}  // namespace
}  // namespace cairn
