// PersistenceService against a real RocksDB in a temp dir: write policies end to end, restart
// with warm-load, snapshots (save, restore, corruption refused with the cache untouched).
#include "cairn/persistence/persistence_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cairn/cache/cache_manager.h"

namespace cairn {
namespace {
namespace fs = std::filesystem;

class PersistenceServiceTest : public ::testing::Test {
 protected:
  PersistenceServiceTest() {
    dir_ = fs::temp_directory_path() /
           ("cairn-ps-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  ~PersistenceServiceTest() override { fs::remove_all(dir_); }

  struct Instance {
    std::unique_ptr<CacheManager> cache;
    std::unique_ptr<PersistenceService> svc;
  };
  Instance Start(WriteMode mode, bool warm_load = true, uint64_t max_items = 0) {
    Instance in;
    in.cache =
        std::make_unique<CacheManager>(CacheOptions{.shards = 4, .max_items = max_items}, clock_);
    PersistenceOptions o;
    o.data_dir = dir_.string();
    o.write_mode = mode;
    o.warm_load = warm_load;
    o.write_back_interval_ms = 60'000;  // tests flush explicitly
    o.rocksdb.write_sync = false;
    in.svc = std::make_unique<PersistenceService>(*in.cache, clock_, o);
    Status st = in.svc->Open();
    EXPECT_TRUE(st.ok()) << st.ToString();
    in.svc->Start();
    in.svc->WaitLoaded();
    return in;
  }
  static std::string Get(CacheManager& c, std::string_view k) {
    std::string out = "<missing>";
    c.Get(k, [&](const Entry& e) { out.assign(e.value()); });
    return out;
  }

  ManualClock clock_;
  fs::path dir_;
};

TEST_F(PersistenceServiceTest, WriteThroughSurvivesRestart) {
  {
    auto in = Start(WriteMode::kWriteThrough);
    for (int i = 0; i < 1000; ++i) in.cache->Set("k" + std::to_string(i), "v" + std::to_string(i));
    in.cache->Delete("k7");
    ASSERT_TRUE(in.svc->Shutdown(/*flush=*/false).ok());  // nothing dirty to lose
  }
  auto in = Start(WriteMode::kWriteThrough);
  EXPECT_EQ(in.cache->Size(), 999u);
  EXPECT_EQ(Get(*in.cache, "k5"), "v5");
  EXPECT_EQ(Get(*in.cache, "k7"), "<missing>");
  EXPECT_EQ(in.svc->Info().loaded_keys, 999u);
}

TEST_F(PersistenceServiceTest, WriteBackFlushesOnShutdown) {
  {
    auto in = Start(WriteMode::kWriteBack);
    for (int i = 0; i < 500; ++i) in.cache->Set("k" + std::to_string(i), "v");
    EXPECT_EQ(in.svc->Info().dirty_keys, 500u);
    ASSERT_TRUE(in.svc->Shutdown(/*flush=*/true).ok());
  }
  auto in = Start(WriteMode::kWriteBack);
  EXPECT_EQ(in.cache->Size(), 500u);
  EXPECT_EQ(in.svc->Info().dirty_keys, 0u);  // loaded entries are clean
}

TEST_F(PersistenceServiceTest, WriteBackFlushNowCountsKeys) {
  auto in = Start(WriteMode::kWriteBack);
  for (int i = 0; i < 10; ++i) in.cache->Set("k" + std::to_string(i % 4), std::to_string(i));
  auto r = in.svc->FlushNow();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 4u);  // coalesced
  EXPECT_EQ(in.svc->Info().flush.flushed_keys, 4u);
}

TEST_F(PersistenceServiceTest, ReadThroughAfterEviction) {
  auto in = Start(WriteMode::kWriteThrough, true, /*max_items=*/10);
  in.svc->SetReadThrough(true);
  for (int i = 0; i < 100; ++i) in.cache->Set("k" + std::to_string(i), "v" + std::to_string(i));
  EXPECT_EQ(in.cache->Size(), 10u);
  EXPECT_EQ(Get(*in.cache, "k0"), "v0");  // evicted from memory, read from RocksDB
  EXPECT_EQ(in.cache->Size(), 10u);
}

TEST_F(PersistenceServiceTest, SnapshotSaveRestoreAndCorruptionRefused) {
  auto in = Start(WriteMode::kNone);
  for (int i = 0; i < 2000; ++i) {
    in.cache->Set("k" + std::to_string(i), std::string(i % 50, 'x'),
                  {.expire_at_ms = i % 5 == 0 ? clock_.NowMs() + 100'000 : 0});
  }
  auto saved = in.svc->Save("snap1");
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  EXPECT_EQ(saved.value().entry_count, 2000u);
  EXPECT_GT(in.svc->Info().last_save_s, 0);
  in.cache->Flush();
  in.cache->Set("other", "1");
  auto restored = in.svc->Restore("snap1");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(in.cache->Size(), 2000u);
  EXPECT_EQ(in.cache->Stats().expires, 400u);
  EXPECT_EQ(Get(*in.cache, "k49"), std::string(49, 'x'));

  // A damaged copy is refused and the cache stays exactly as it was.
  fs::copy_file(in.svc->SnapshotPath("snap1"), in.svc->SnapshotPath("bad"));
  {
    std::fstream f(in.svc->SnapshotPath("bad"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x5a');
  }
  in.cache->Set("marker", "m");
  auto bad = in.svc->Restore("bad");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(in.cache->Size(), 2001u);
  EXPECT_EQ(Get(*in.cache, "marker"), "m");

  auto list = in.svc->ListSnapshots();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list.value().size(), 2u);
  EXPECT_TRUE(in.svc->DeleteSnapshot("bad").ok());
  EXPECT_FALSE(in.svc->DeleteSnapshot("bad").ok());
  EXPECT_FALSE(in.svc->Save("../escape").ok());
}

TEST_F(PersistenceServiceTest, BgSaveRunsInTheBackground) {
  auto in = Start(WriteMode::kNone);
  for (int i = 0; i < 5000; ++i) in.cache->Set("k" + std::to_string(i), "v");
  ASSERT_TRUE(in.svc->BgSave("dump").ok());
  for (int i = 0; i < 1000 && in.svc->Info().bgsave_in_progress; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(in.svc->Info().bgsave_in_progress);
  EXPECT_EQ(in.svc->Info().last_bgsave_status, "ok");
  EXPECT_EQ(in.svc->Info().last_save_keys, 5000u);
}

}  // namespace
}  // namespace cairn
