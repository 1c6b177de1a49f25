// RocksDbStore specifics: the expiry compaction filter, options, and clean errors for data dirs
// that cannot be used.
#include "cairn/persistence/rocksdb_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/perf_level.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "file_size_limit.h"
#include "owned_batch.h"
#include "temp_dir.h"

namespace cairn {
namespace {

using testing::FileSizeLimit;
using testing::OwnedBatch;
using testing::TempDir;

class RocksDbStoreTest : public ::testing::Test {
 protected:
  RocksDbOptions Options() const {
    RocksDbOptions o;
    o.path = dir_.Sub("db");
    o.block_cache_bytes = 1 << 20;
    o.recover_interval_ms = 0;  // the watchdog tries to recover every 50 ms
    return o;
  }
  std::unique_ptr<RocksDbStore> OpenOk(const RocksDbOptions& o) {
    auto r = RocksDbStore::Open(o, clock_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  static void Put(BackingStore& s, const std::string& key, StoredRecord rec) {
    ASSERT_TRUE(s.WriteBatch(OwnedBatch().Put(key, std::move(rec))).ok());
  }
  static bool Has(BackingStore& s, std::string_view key) {
    auto r = s.Get(key);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->has_value();
  }

  TempDir dir_;
  ManualClock clock_{1'700'000'000'000};
};

TEST_F(RocksDbStoreTest, CompactionFilterDropsRecordsWhoseExpiryHasPassed) {
  auto store = OpenOk(Options());
  ASSERT_NE(store, nullptr);
  const int64_t now = clock_.NowMs();
  Put(*store, "forever", {"a", 0, 1, 0});
  Put(*store, "past", {"b", now - 1, 2, 0});
  Put(*store, "edge", {"c", now, 3, 0});
  Put(*store, "later", {"d", now + 10'000, 4, 0});
  // Before a compaction the store still returns them: expiry is the reader's check.
  EXPECT_TRUE(Has(*store, "past"));
  EXPECT_EQ(store->expired_dropped(), 0u);

  ASSERT_TRUE(store->CompactAll().ok());
  EXPECT_TRUE(Has(*store, "forever"));
  EXPECT_FALSE(Has(*store, "past"));
  EXPECT_FALSE(Has(*store, "edge"));
  EXPECT_TRUE(Has(*store, "later"));
  EXPECT_EQ(store->expired_dropped(), 2u);

  clock_.Advance(10'000);  // the injected clock decides, not the wall clock
  ASSERT_TRUE(store->CompactAll().ok());
  EXPECT_FALSE(Has(*store, "later"));
  EXPECT_TRUE(Has(*store, "forever"));
  EXPECT_EQ(store->expired_dropped(), 3u);
}

TEST_F(RocksDbStoreTest, DroppedExpiredRecordDoesNotResurrectAnOlderVersion) {
  auto store = OpenOk(Options());
  ASSERT_NE(store, nullptr);
  Put(*store, "k", {"old, no ttl", 0, 1, 0});
  ASSERT_TRUE(store->CompactAll().ok());  // the old version now sits in the bottom level
  Put(*store, "k", {"new, expired", clock_.NowMs() - 5, 2, 0});
  ASSERT_TRUE(store->CompactAll().ok());
  EXPECT_FALSE(Has(*store, "k"));
  EXPECT_EQ(store->expired_dropped(), 1u);
}

TEST_F(RocksDbStoreTest, UndecodableValueIsReportedAsCorruptionAndKeptByCompaction) {
  {
    rocksdb::Options raw_options;
    raw_options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(raw_options, Options().path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "bad",
                        std::string("\x0a\x09"
                                    "short",
                                    7))
                    .ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = OpenOk(Options());
  ASSERT_NE(store, nullptr);
  Put(*store, "good", {"v", 0, 1, 0});
  auto got = store->Get("bad");
  EXPECT_EQ(got.status().code(), StatusCode::kCorruption);
  EXPECT_NE(got.status().message().find("'bad'"), std::string::npos) << got.status().ToString();
  Status scan = store->ForEach([](std::string_view, const StoredRecord&) { return true; });
  EXPECT_EQ(scan.code(), StatusCode::kCorruption);
  ASSERT_TRUE(store->CompactAll().ok());
  EXPECT_EQ(store->Get("bad").status().code(), StatusCode::kCorruption);  // still there
  EXPECT_TRUE(Has(*store, "good"));
}

TEST_F(RocksDbStoreTest, EveryCompressionOpensWritesAndReads) {
  for (Compression c :
       {Compression::kNone, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    SCOPED_TRACE(std::string(ToString(c)));
    ASSERT_TRUE(CompressionSupported(c));
    RocksDbOptions o = Options();
    o.path = dir_.Sub(std::string(ToString(c)));
    o.compression = c;
    o.write_sync = true;
    o.block_cache_bytes = 0;  // no block cache is a valid setting too
    auto store = OpenOk(o);
    ASSERT_NE(store, nullptr);
    OwnedBatch ops;
    for (int i = 0; i < 500; ++i) {
      ops.Put("k" + std::to_string(i),
              {std::string(200, 'a' + i % 26), 0, static_cast<uint64_t>(i), 0});
    }
    ASSERT_TRUE(store->WriteBatch(ops).ok());
    ASSERT_TRUE(store->CompactAll().ok());  // writes SST files with the chosen compression
    auto got = store->Get("k27");
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->value, std::string(200, 'b'));
    EXPECT_GT(store->EstimateKeys(), 0u);
  }
}

TEST_F(RocksDbStoreTest, CompressionNamesParse) {
  EXPECT_EQ(ParseCompression("none"), Compression::kNone);
  EXPECT_EQ(ParseCompression("Snappy"), Compression::kSnappy);
  EXPECT_EQ(ParseCompression("LZ4"), Compression::kLz4);
  EXPECT_EQ(ParseCompression("zstd"), Compression::kZstd);
  EXPECT_FALSE(ParseCompression("zlib").has_value());
  EXPECT_FALSE(ParseCompression("").has_value());
}

// The memtable size reaches RocksDB: 4 MB of writes fill a 1 MB memtable several times, and the
// full memtables are flushed to SST files on their own; in a 64 MB memtable they all stay put.
TEST_F(RocksDbStoreTest, WriteBufferSizeDecidesWhenTheMemtableFlushes) {
  auto sst_files = [](const std::string& path) {
    size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(path))
      n += f.path().extension() == ".sst";
    return n;
  };
  for (size_t buffer : {size_t{1} << 20, size_t{64} << 20}) {
    SCOPED_TRACE(buffer);
    RocksDbOptions o = Options();
    o.path = dir_.Sub("wb" + std::to_string(buffer));
    o.write_buffer_bytes = buffer;
    auto store = OpenOk(o);
    ASSERT_NE(store, nullptr);
    for (int batch = 0; batch < 16; ++batch) {
      OwnedBatch ops;
      for (int i = 0; i < 256; ++i) {
        ops.Put("k" + std::to_string(batch * 256 + i), {std::string(1000, 'v'), 0, 1, 0});
      }
      ASSERT_TRUE(store->WriteBatch(ops).ok());
    }
    if (buffer < (size_t{4} << 20)) {
      // Background flushes: wait for the first SST file, bounded.
      for (int i = 0; i < 200 && sst_files(o.path) == 0; ++i) usleep(20'000);
      EXPECT_GT(sst_files(o.path), 0u);
    } else {
      EXPECT_EQ(sst_files(o.path), 0u);
    }
  }
}

// RocksDB's per-thread perf counting (on by default, ~15% of a memtable insert through the TLS
// of a shared library) is off in every thread that has used the store.
TEST_F(RocksDbStoreTest, ThreadsUsingTheStoreCountNoPerfStatistics) {
  auto store = OpenOk(Options());
  ASSERT_NE(store, nullptr);
  auto level_after = [&](auto use) {
    rocksdb::PerfLevel level = rocksdb::PerfLevel::kUninitialized;
    std::thread t([&] {
      use();
      level = rocksdb::GetPerfLevel();
    });
    t.join();
    return level;
  };
  EXPECT_EQ(level_after([] {}), rocksdb::PerfLevel::kEnableCount);  // RocksDB's default
  EXPECT_EQ(level_after([&] { Put(*store, "k", {"v", 0, 1, 0}); }), rocksdb::PerfLevel::kDisable);
  EXPECT_EQ(level_after([&] { (void)store->Get("k"); }), rocksdb::PerfLevel::kDisable);
  EXPECT_EQ(level_after([&] { (void)store->ForEach([](auto, const auto&) { return true; }); }),
            rocksdb::PerfLevel::kDisable);
}

TEST_F(RocksDbStoreTest, InvalidOptionsAreRefused) {
  RocksDbOptions o = Options();
  o.path.clear();
  EXPECT_EQ(RocksDbStore::Open(o, clock_).status().code(), StatusCode::kInvalidArgument);
  o = Options();
  o.background_jobs = 0;
  EXPECT_EQ(RocksDbStore::Open(o, clock_).status().code(), StatusCode::kInvalidArgument);
  o = Options();
  o.write_buffer_bytes = 1000;
  EXPECT_EQ(RocksDbStore::Open(o, clock_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RocksDbStoreTest, CreatesMissingParentDirectories) {
  RocksDbOptions o = Options();
  o.path = dir_.Sub("a/b/c");
  auto store = OpenOk(o);
  ASSERT_NE(store, nullptr);
  Put(*store, "k", {"v", 0, 1, 0});
  EXPECT_TRUE(std::filesystem::is_directory(o.path));
}

TEST_F(RocksDbStoreTest, SecondOpenOfALockedDirIsACleanError) {
  auto first = OpenOk(Options());
  ASSERT_NE(first, nullptr);
  auto second = RocksDbStore::Open(Options(), clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIoError);
  EXPECT_NE(second.status().message().find("LOCK"), std::string::npos)
      << second.status().ToString();
}

TEST_F(RocksDbStoreTest, DataDirThatIsAFileOrUnderAFileIsACleanError) {
  const std::string file = dir_.Sub("plain-file");
  std::ofstream(file) << "not a directory";
  RocksDbOptions o = Options();
  o.path = file;
  auto r = RocksDbStore::Open(o, clock_);
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find(file), std::string::npos) << r.status().ToString();
  o.path = file + "/db";
  r = RocksDbStore::Open(o, clock_);
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("cannot create data dir"), std::string::npos)
      << r.status().ToString();
}

TEST_F(RocksDbStoreTest, FailedWriteIsReportedAndARetryRecoversWithoutLosingData) {
  auto store = OpenOk(Options());
  ASSERT_NE(store, nullptr);
  Put(*store, "before", {"1", 0, 1, 0});
  OwnedBatch big;
  big.Put("big", {std::string(1 << 20, 'x'), 0, 2, 0}).Put("small", {"s", 0, 3, 0});
  {
    FileSizeLimit limit(256 << 10);
    Status s = store->WriteBatch(big);
    EXPECT_EQ(s.code(), StatusCode::kIoError);
    EXPECT_NE(s.message().find("File too large"), std::string::npos) << s.ToString();
    // Reads keep working while writes fail; the failed batch applied nothing.
    EXPECT_TRUE(Has(*store, "before"));
    EXPECT_FALSE(Has(*store, "small"));
    EXPECT_FALSE(store->WriteBatch(big).ok());  // the cause is still there
  }
  // The store's watchdog recovers (every 50 ms here); bounded wait, not a timing assertion.
  const uint64_t recoveries = store->recoveries();
  for (int i = 0; i < 400 && !store->health().ok; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(store->WriteBatch(big).ok());  // the retry of the same batch succeeds
  EXPECT_GT(store->recoveries(), recoveries);
  EXPECT_TRUE(Has(*store, "big"));
  EXPECT_TRUE(Has(*store, "small"));
  ASSERT_TRUE(store->Close().ok());

  store = OpenOk(Options());
  ASSERT_NE(store, nullptr);
  for (const char* key : {"before", "big", "small"}) EXPECT_TRUE(Has(*store, key)) << key;
}

// Opens the store in a re-executed child process that has no root privileges (root ignores
// permission bits), and exits 0 when Open returned a clean kIoError.
void OpenAsUnprivilegedAndExit(const RocksDbOptions& o) {
  if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
    fprintf(stderr, "cannot drop root privileges\n");
    _exit(3);
  }
  ManualClock clock;
  auto r = RocksDbStore::Open(o, clock);
  fprintf(stderr, "%s\n", r.status().ToString().c_str());
  _exit(r.ok() ? 1 : r.status().code() == StatusCode::kIoError ? 0 : 2);
}

TEST_F(RocksDbStoreTest, ReadOnlyDataDirIsACleanErrorNotACrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  RocksDbOptions o = Options();
  {
    auto store = OpenOk(o);  // an existing store, later made read-only
    ASSERT_NE(store, nullptr);
    Put(*store, "k", {"v", 0, 1, 0});
  }
  namespace fs = std::filesystem;
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
  for (const auto& f : fs::directory_iterator(o.path)) {
    fs::permissions(f.path(),
                    fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
  fs::permissions(o.path, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read |
                              fs::perms::others_exec);
  EXPECT_EXIT(OpenAsUnprivilegedAndExit(o), ::testing::ExitedWithCode(0), "IO error");
  RocksDbOptions fresh = o;
  fresh.path = o.path + "/new-subdir";  // cannot even be created
  EXPECT_EXIT(OpenAsUnprivilegedAndExit(fresh), ::testing::ExitedWithCode(0), "IO error");
  fs::permissions(o.path, fs::perms::owner_all, fs::perm_options::add);
}

}  // namespace
}  // namespace cairn
