// Write-back never persists a half-applied EXEC or script: their writes reach the tier as one
// batch when they end (CacheManager::PersistTogether), and nothing flushes between two of their
// commands (here: a write-back backlog at its hard limit, whose writers help the flusher).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../cache/fake_tier.h"
#include "command_fixture.h"

namespace cairn::test {
namespace {

class TransactionPersistTest : public CommandTest {
 protected:
  TransactionPersistTest() {
    cache_->SetBackingTier(&tier_);
    EXPECT_TRUE(cache_->SetWriteMode(WriteMode::kWriteBack).ok());
    // One dirty key is the limit: a writer over it flushes the backlog first (block mode).
    cache_->SetWriteBackLimits({.max_keys = 1, .max_bytes = 0, .reject = false, .block_ms = 200});
  }
  ~TransactionPersistTest() override { cache_->SetBackingTier(nullptr); }
  cairn::testing::FakeTier tier_;
};

TEST_F(TransactionPersistTest, ExecWritesReachTheTierInOneBatch) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"SET", "b", "2"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"INCR", "c"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*3\r\n+OK\r\n+OK\r\n:1\r\n");
  // Not a, then b and c later: all three in one batch, and nothing left dirty.
  EXPECT_EQ(tier_.batches(), std::vector<size_t>{3});
  EXPECT_EQ(tier_.Value("a"), "1");
  EXPECT_EQ(tier_.Value("b"), "2");
  EXPECT_EQ(tier_.Value("c"), "1");
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(TransactionPersistTest, ExecDeletesTravelWithItsWrites) {
  EXPECT_EQ(Run({"SET", "gone", "x"}), kOk);
  ASSERT_EQ(cache_->FlushDirty().written, 1u);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"DEL", "gone"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}), "*2\r\n+OK\r\n:1\r\n");
  EXPECT_EQ(tier_.batches(), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(tier_.Value("gone"), std::nullopt);
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(TransactionPersistTest, ScriptWritesReachTheTierInOneBatch) {
  const std::string reply =
      Run({"EVAL", "for i = 1, 3 do redis.call('SET', KEYS[i], ARGV[i]) end return 1", "3", "x",
           "y", "z", "1", "2", "3"});
  EXPECT_EQ(reply, ":1\r\n");
  EXPECT_EQ(tier_.batches(), std::vector<size_t>{3});
  EXPECT_EQ(tier_.Value("z"), "3");
  EXPECT_EQ(cache_->dirty_keys(), 0u);
}

TEST_F(TransactionPersistTest, PlainWritesStayWriteBack) {
  EXPECT_EQ(Run({"SET", "a", "1"}), kOk);  // dirty, not written
  EXPECT_TRUE(tier_.batches().empty());
  EXPECT_EQ(cache_->dirty_keys(), 1u);
}

}  // namespace
}  // namespace cairn::test
