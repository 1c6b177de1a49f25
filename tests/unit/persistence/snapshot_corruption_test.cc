// Every kind of damage to a snapshot file is refused with a clear error, and the visitor of Read
// is never called for a damaged file.
#include <gtest/gtest.h>

#include <utility>

#include "cairn/persistence/snapshot.h"
#include "snapshot_test.h"
#include "temp_dir.h"

namespace cairn {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteSnapshot;

constexpr size_t kPrefix = 12;

// [offset, size) of every frame in a well-formed file.
std::vector<std::pair<size_t, size_t>> Frames(const std::string& bytes) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t at = kPrefix; at + 5 <= bytes.size();) {
    uint32_t len = 0;
    for (int i = 3; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(bytes[at + 1 + i]);
    out.emplace_back(at, size_t{13} + len);
    at += size_t{13} + len;
  }
  return out;
}

class SnapshotCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    good_path_ = dir_.Sub("good");
    bad_path_ = dir_.Sub("bad");
    // 60 entries in ~256-byte chunks: a small file with many chunk frames.
    info_ = WriteSnapshot(good_path_, 60, 256);
    ASSERT_GE(info_.chunk_count, 5u);
    good_ = ReadFile(good_path_);
    ASSERT_TRUE(SnapshotReader::Verify(good_path_).ok());
  }

  // Writes `bytes` as the bad file; expects Verify and Read to refuse it without visiting.
  // Returns the error.
  Status ExpectRefused(const std::string& bytes, const std::string& what) {
    WriteFile(bad_path_, bytes);
    auto verified = SnapshotReader::Verify(bad_path_);
    EXPECT_FALSE(verified.ok()) << what;
    int visits = 0;
    auto read =
        SnapshotReader::Read(bad_path_, [&](const SnapshotEntry&) { return ++visits, true; });
    EXPECT_FALSE(read.ok()) << what;
    EXPECT_EQ(visits, 0) << what << ": the visitor saw entries of a damaged file";
    EXPECT_EQ(read.status().code(), verified.status().code()) << what;
    return verified.status();
  }

  TempDir dir_;
  std::string good_path_, bad_path_, good_;
  SnapshotInfo info_;
};

TEST_F(SnapshotCorruptionTest, FlippingAnyByteIsDetected) {
  for (size_t at = 0; at < good_.size(); ++at) {
    for (unsigned char mask : {0x01, 0x80}) {
      std::string bad = good_;
      bad[at] = static_cast<char>(bad[at] ^ mask);
      Status s = ExpectRefused(bad, "flip at " + std::to_string(at));
      const bool version_byte = at >= 8 && at < kPrefix;
      EXPECT_EQ(s.code(), version_byte ? StatusCode::kNotSupported : StatusCode::kCorruption)
          << at << ": " << s.ToString();
    }
  }
}

TEST_F(SnapshotCorruptionTest, TruncationAtAnyOffsetIsDetected) {
  for (size_t len = 0; len < good_.size(); ++len) {
    Status s = ExpectRefused(good_.substr(0, len), "truncated to " + std::to_string(len));
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << len << ": " << s.ToString();
  }
}

TEST_F(SnapshotCorruptionTest, ErrorsSayWhatIsWrong) {
  auto message = [&](const std::string& bytes) {
    return ExpectRefused(bytes, "message check").message();
  };
  EXPECT_NE(message("").find("file is empty"), std::string::npos);
  EXPECT_NE(message("*1\r\n$4\r\nPING\r\n").find("bad magic"), std::string::npos);
  EXPECT_NE(message("REDIS0011" + good_.substr(9)).find("bad magic"), std::string::npos);

  std::string v2 = good_;
  v2[8] = 2;
  Status s = ExpectRefused(v2, "version 2");
  EXPECT_EQ(s.code(), StatusCode::kNotSupported);
  EXPECT_NE(s.message().find("format version 2"), std::string::npos) << s.ToString();

  const auto frames = Frames(good_);
  ASSERT_EQ(frames.size(), info_.chunk_count + 2);
  const auto [trailer_at, trailer_size] = frames.back();
  ASSERT_EQ(trailer_at + trailer_size, good_.size());
  EXPECT_NE(message(good_.substr(0, trailer_at)).find("missing trailer"), std::string::npos);
  EXPECT_NE(message(good_ + "x").find("after the trailer"), std::string::npos);
  EXPECT_NE(message(good_ + good_.substr(trailer_at)).find("after the trailer"), std::string::npos);

  std::string flipped = good_;
  flipped[frames[2].first + 20] ^= 0x10;
  EXPECT_NE(message(flipped).find("checksum mismatch in frame 2"), std::string::npos);
  EXPECT_NE(message(good_.substr(0, frames[3].first + 40)).find("truncated frame"),
            std::string::npos);
}

TEST_F(SnapshotCorruptionTest, MovedDroppedOrDuplicatedChunksAreDetected) {
  const auto frames = Frames(good_);
  auto frame = [&](size_t i) { return good_.substr(frames[i].first, frames[i].second); };
  const std::string head = good_.substr(0, frames[1].first);  // prefix + header frame
  std::string tail;
  for (size_t i = 3; i < frames.size(); ++i) tail += frame(i);

  ExpectRefused(head + frame(2) + frame(1) + tail, "chunks 1 and 2 swapped");
  ExpectRefused(head + frame(2) + tail, "chunk 1 dropped");
  ExpectRefused(head + frame(1) + frame(1) + frame(2) + tail, "chunk 1 duplicated");
  std::string no_chunks = head + frame(frames.size() - 1);
  ExpectRefused(no_chunks, "all chunks dropped");
}

TEST_F(SnapshotCorruptionTest, ALargeSnapshotTruncatedOrFlippedAnywhereIsRefused) {
  const std::string big_path = dir_.Sub("big");
  WriteSnapshot(big_path, 100'000, size_t{1} << 20);
  const std::string big = ReadFile(big_path);
  for (size_t at : {size_t{13}, size_t{100}, big.size() / 3, big.size() / 2, big.size() - 30,
                    big.size() - 9, big.size() - 1}) {
    ExpectRefused(big.substr(0, at), "big truncated to " + std::to_string(at));
    std::string flipped = big;
    flipped[at] ^= 0x04;
    ExpectRefused(flipped, "big flipped at " + std::to_string(at));
  }
}

}  // namespace
}  // namespace cairn
