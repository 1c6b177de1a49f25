#include "cairn/persistence/snapshot.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "file_size_limit.h"
#include "snapshot_test.h"
#include "temp_dir.h"

namespace cairn {
namespace {

using testing::FileSizeLimit;
using testing::MakeEntry;
using testing::OwnedEntry;
using testing::TempDir;
using testing::WriteSnapshot;

TEST(SnapshotTest, RoundTripOf100kEntriesAcrossManyChunks) {
  TempDir dir;
  const std::string path = dir.Sub("dump.csnap");
  constexpr uint64_t kN = 100'000;
  const SnapshotInfo written = WriteSnapshot(path, kN, SnapshotWriterOptions().chunk_bytes);
  EXPECT_EQ(written.entry_count, kN);
  EXPECT_GT(written.chunk_count, 3u);  // ~6 MB of entries in ~1 MB chunks
  EXPECT_EQ(written.file_bytes, std::filesystem::file_size(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  auto verified = SnapshotReader::Verify(path);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->entry_count, kN);
  EXPECT_EQ(verified->chunk_count, written.chunk_count);
  EXPECT_EQ(verified->policy, "lfu");
  EXPECT_EQ(verified->created_at_ms, 1'700'000'000'999);
  EXPECT_EQ(verified->format_version, kSnapshotFormatVersion);

  uint64_t i = 0;
  bool all_equal = true;
  auto read = SnapshotReader::Read(path, [&](const SnapshotEntry& e) {
    if (!(OwnedEntry::From(e) == MakeEntry(i))) {
      ADD_FAILURE() << "entry " << i << " differs (key " << e.key << ")";
      all_equal = false;
      return false;
    }
    ++i;
    return true;
  });
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(all_equal);
  EXPECT_EQ(i, kN);
}

TEST(SnapshotTest, EmptySnapshotIsValid) {
  TempDir dir;
  const std::string path = dir.Sub("empty");
  WriteSnapshot(path, 0, 1 << 20);
  auto info = SnapshotReader::Verify(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->entry_count, 0u);
  EXPECT_EQ(info->chunk_count, 0u);
  int calls = 0;
  EXPECT_TRUE(SnapshotReader::Read(path, [&](const SnapshotEntry&) { return ++calls, true; }).ok());
  EXPECT_EQ(calls, 0);
}

TEST(SnapshotTest, ChunksStayNearTheirSizeAndABigEntryGetsItsOwnChunk) {
  TempDir dir;
  const std::string path = dir.Sub("s");
  SnapshotWriterOptions o;
  o.chunk_bytes = 4096;
  auto w = SnapshotWriter::Open(path, o);
  ASSERT_TRUE(w.ok());
  const std::string big(100'000, 'B');
  for (int i = 0; i < 100; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_TRUE((*w)->Add({key, i == 50 ? std::string_view(big) : "small"}).ok());
  }
  auto info = (*w)->Commit();
  ASSERT_TRUE(info.ok());
  // 99 small entries (~50 bytes each) fit in two 4 KB chunks; the big one is alone in its own.
  EXPECT_GE(info->chunk_count, 3u);
  EXPECT_LE(info->chunk_count, 4u);
  std::string seen_big;
  ASSERT_TRUE(SnapshotReader::Read(path, [&](const SnapshotEntry& e) {
                if (e.key == "k50") seen_big = e.value;
                return true;
              }).ok());
  EXPECT_EQ(seen_big, big);
}

TEST(SnapshotTest, TargetIsUntouchedUntilCommitAndAnAbandonedWriterLeavesNoTempFile) {
  TempDir dir;
  const std::string path = dir.Sub("named");
  WriteSnapshot(path, 10, 1 << 20);  // an older snapshot of the same name
  {
    auto w = SnapshotWriter::Open(path, {});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Add({"new", "value"}).ok());
    EXPECT_TRUE(std::filesystem::exists(path + ".tmp"));
    auto during = SnapshotReader::Verify(path);
    ASSERT_TRUE(during.ok());
    EXPECT_EQ(during->entry_count, 10u);
  }  // destroyed without Commit
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(SnapshotReader::Verify(path)->entry_count, 10u);

  auto w = SnapshotWriter::Open(path, {});
  ASSERT_TRUE(w.ok());
  (*w)->Abort();
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ((*w)->Add({"k", "v"}).code(), StatusCode::kAborted);
  EXPECT_FALSE((*w)->Commit().ok());
  EXPECT_EQ(SnapshotReader::Verify(path)->entry_count, 10u);
}

TEST(SnapshotTest, AFailedWriteIsReportedAndKeepsTheOldSnapshot) {
  TempDir dir;
  const std::string path = dir.Sub("named");
  WriteSnapshot(path, 10, 1 << 20);
  auto w = SnapshotWriter::Open(path, {});
  ASSERT_TRUE(w.ok());
  Status failed;
  {
    FileSizeLimit limit(64 << 10);  // the disk "fills up" after 64 KB
    for (uint64_t i = 0; i < 10'000 && failed.ok(); ++i) {
      const auto e = MakeEntry(i);
      failed = (*w)->Add(e.View());
    }
    if (failed.ok()) failed = (*w)->Commit().status();
  }
  EXPECT_EQ(failed.code(), StatusCode::kIoError);
  EXPECT_NE(failed.message().find("File too large"), std::string::npos) << failed.ToString();
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ((*w)->Add({"k", "v"}).code(), StatusCode::kIoError);  // sticky
  EXPECT_FALSE((*w)->Commit().ok());
  EXPECT_EQ(SnapshotReader::Verify(path)->entry_count, 10u);
}

TEST(SnapshotTest, AnAbandonedWriterDoesNotRemoveALaterWritersTempFile) {
  TempDir dir;
  const std::string path = dir.Sub("named");
  auto first = SnapshotWriter::Open(path, {});
  ASSERT_TRUE(first.ok());
  (*first)->Abort();
  auto second = SnapshotWriter::Open(path, {});
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE((*second)->Add({"k", "v"}).ok());
  first.value().reset();  // destroying the abandoned writer must leave `second`'s file alone
  auto info = (*second)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(SnapshotReader::Verify(path)->entry_count, 1u);
}

TEST(SnapshotTest, CommitReplacesTheOldSnapshotAtomically) {
  TempDir dir;
  const std::string path = dir.Sub("named");
  WriteSnapshot(path, 10, 1 << 20);
  WriteSnapshot(path, 25, 1 << 20);
  EXPECT_EQ(SnapshotReader::Verify(path)->entry_count, 25u);
  EXPECT_EQ(SnapshotReader::ReadHeader(path)->entry_count, 25u);
  EXPECT_EQ(SnapshotReader::ReadHeader(path)->policy, "lfu");
}

TEST(SnapshotTest, VisitorCanStopEarly) {
  TempDir dir;
  const std::string path = dir.Sub("s");
  WriteSnapshot(path, 1000, 512);
  int calls = 0;
  auto r = SnapshotReader::Read(path, [&](const SnapshotEntry&) { return ++calls < 7; });
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_EQ(calls, 7);
}

TEST(SnapshotTest, MissingFileIsNotFoundAndUnwritableTargetIsIoError) {
  TempDir dir;
  EXPECT_EQ(SnapshotReader::Verify(dir.Sub("nope")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SnapshotReader::ReadHeader(dir.Sub("nope")).status().code(), StatusCode::kNotFound);
  auto w = SnapshotWriter::Open(dir.Sub("no-such-dir/snap"), {});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kIoError);
  EXPECT_NE(w.status().message().find("no-such-dir/snap.tmp"), std::string::npos);
  EXPECT_EQ(SnapshotReader::Verify(dir.path()).status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace cairn
