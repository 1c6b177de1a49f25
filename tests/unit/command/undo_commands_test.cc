// UNDO / REDO: each write kind reverted and re-applied (values and absolute expiries), multi-key
// commands as one step, conflicts with other clients (nothing changed), the redo stack, the
// depth and memory bounds, FLUSHALL, and undo going through the write policy.
#include <map>
#include <string>

#include "cairn/cache/backing_tier.h"
#include "command_fixture.h"

namespace cairn::test {
namespace {

std::string Conflict(std::string_view key, std::string_view done = "undone") {
  return "-CONFLICT key '" + std::string(key) +
         "' was modified since (another client wrote it or it expired); nothing was " +
         std::string(done) + "\r\n";
}

class UndoTest : public CommandTest {
 protected:
  std::string Undo(int64_t n = 1) { return Run({"undo", std::to_string(n)}); }
  std::string Redo(int64_t n = 1) { return Run({"redo", std::to_string(n)}); }
  std::string Get(std::string_view key) { return Run({"get", key}); }
  std::string PExpireTime(std::string_view key) { return Run({"pexpiretime", key}); }

  ClientState other_;  // a second connection
};

TEST_F(UndoTest, SetUndoneAndRedone) {
  EXPECT_EQ(Run({"set", "k", "v1"}), kOk);
  EXPECT_EQ(Run({"set", "k", "v2"}), kOk);
  EXPECT_EQ(Run({"undo"}), Int(1));
  EXPECT_EQ(Get("k"), Bulk("v1"));
  EXPECT_EQ(Run({"UNDO"}), Int(1));
  EXPECT_EQ(Get("k"), kNil);  // the key did not exist before the first SET
  EXPECT_EQ(Run({"undo"}), Int(0));
  EXPECT_EQ(Run({"redo"}), Int(1));
  EXPECT_EQ(Get("k"), Bulk("v1"));
  EXPECT_EQ(Redo(5), Int(1));  // only one step left to redo
  EXPECT_EQ(Get("k"), Bulk("v2"));
  EXPECT_EQ(Run({"redo"}), Int(0));
  // Undo, redo, undo again: versions are relinked at each swap, so no false conflicts.
  EXPECT_EQ(Undo(2), Int(2));
  EXPECT_EQ(Redo(2), Int(2));
  EXPECT_EQ(Undo(1), Int(1));
  EXPECT_EQ(Get("k"), Bulk("v1"));
}

TEST_F(UndoTest, CountRevertsNewestFirst) {
  Run({"set", "a", "1"});
  Run({"set", "a", "2"});
  Run({"set", "b", "x"});
  EXPECT_EQ(Undo(2), Int(2));
  EXPECT_EQ(Get("b"), kNil);
  EXPECT_EQ(Get("a"), Bulk("1"));
  EXPECT_EQ(Undo(10), Int(1));
  EXPECT_EQ(Get("a"), kNil);
  EXPECT_EQ(Redo(2), Int(2));  // oldest first
  EXPECT_EQ(Get("a"), Bulk("2"));
  EXPECT_EQ(Get("b"), kNil);
}

TEST_F(UndoTest, IncrAndAppend) {
  Run({"incr", "c"});
  Run({"incr", "c"});
  Run({"incrby", "c", "10"});
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(Get("c"), Bulk("2"));
  EXPECT_EQ(Undo(2), Int(2));
  EXPECT_EQ(Get("c"), kNil);
  EXPECT_EQ(Redo(3), Int(3));
  EXPECT_EQ(Get("c"), Bulk("12"));

  Run({"append", "s", "ab"});
  Run({"append", "s", "cd"});
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(Get("s"), Bulk("ab"));
  EXPECT_EQ(Redo(), Int(1));
  EXPECT_EQ(Get("s"), Bulk("abcd"));
}

TEST_F(UndoTest, FailedOrNoOpWritesRecordNothing) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"set", "k", "w", "nx"}), kNil);  // condition not met
  EXPECT_EQ(Run({"incr", "k"}), kNotInt);         // refused
  EXPECT_EQ(Run({"del", "missing"}), Int(0));     // nothing to delete
  EXPECT_EQ(Run({"expire", "missing", "10"}), Int(0));
  EXPECT_EQ(Run({"getex", "k"}), Bulk("v"));  // a write command that wrote nothing
  EXPECT_EQ(Undo(10), Int(1));                // only the SET
  EXPECT_EQ(Get("k"), kNil);
}

TEST_F(UndoTest, DelOfSeveralKeysIsOneStepAndKeepsExpiry) {
  Run({"set", "a", "1"});
  Run({"set", "b", "2", "px", "5000"});
  EXPECT_EQ(Run({"del", "a", "b", "missing", "a"}), Int(2));
  clock_.Advance(1'000);
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(Get("a"), Bulk("1"));
  EXPECT_EQ(Get("b"), Bulk("2"));
  EXPECT_EQ(PExpireTime("b"), Int(kStartMs + 5'000));  // the same absolute time
  EXPECT_EQ(Run({"pttl", "b"}), Int(4'000));
  EXPECT_EQ(PExpireTime("a"), Int(-1));
  EXPECT_EQ(Redo(), Int(1));
  EXPECT_EQ(Run({"exists", "a", "b"}), Int(0));
}

TEST_F(UndoTest, ExpireRestoresTheSameAbsoluteTime) {
  Run({"set", "k", "v", "ex", "100"});
  clock_.Advance(10'000);
  EXPECT_EQ(Run({"expire", "k", "500"}), Int(1));
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(PExpireTime("k"), Int(kStartMs + 100'000));
  EXPECT_EQ(Run({"ttl", "k"}), Int(90));
  EXPECT_EQ(Redo(), Int(1));
  EXPECT_EQ(PExpireTime("k"), Int(kStartMs + 10'000 + 500'000));

  EXPECT_EQ(Run({"persist", "k"}), Int(1));
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(PExpireTime("k"), Int(kStartMs + 10'000 + 500'000));
  EXPECT_EQ(Redo(), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));

  // An expire in the past deletes the key; undo brings it back with its expiry.
  Run({"pexpire", "k", "2000"});
  EXPECT_EQ(Run({"expire", "k", "-1"}), Int(1));
  EXPECT_EQ(Get("k"), kNil);
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(Get("k"), Bulk("v"));
  EXPECT_EQ(PExpireTime("k"), Int(kStartMs + 12'000));
}

TEST_F(UndoTest, RestoredStateWhoseExpiryHasPassedIsGone) {
  Run({"set", "k", "old", "px", "100"});
  Run({"set", "k", "new"});  // no expiry any more
  clock_.Advance(200);
  EXPECT_EQ(Undo(), Int(1));  // "old" comes back with its absolute expiry, already past
  EXPECT_EQ(Get("k"), kNil);
  EXPECT_EQ(Redo(), Int(1));  // the key is absent, as the undo left it
  EXPECT_EQ(Get("k"), Bulk("new"));
}

TEST_F(UndoTest, MsetAndMsetnxAreOneStep) {
  Run({"set", "b", "old"});
  EXPECT_EQ(Run({"mset", "a", "1", "b", "2", "c", "3", "a", "4"}), kOk);
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(Run({"exists", "a", "c"}), Int(0));
  EXPECT_EQ(Get("b"), Bulk("old"));
  EXPECT_EQ(Redo(), Int(1));
  EXPECT_EQ(Run({"mget", "a", "b", "c"}), Arr({Bulk("4"), Bulk("2"), Bulk("3")}));

  EXPECT_EQ(Run({"msetnx", "x", "1", "y", "2"}), Int(1));
  EXPECT_EQ(Run({"msetnx", "y", "9", "z", "9"}), Int(0));  // not applied: not recorded
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(Run({"exists", "x", "y", "z"}), Int(0));
  EXPECT_EQ(Undo(), Int(1));  // then the MSET
  EXPECT_EQ(Get("b"), Bulk("old"));
}

TEST_F(UndoTest, RenameIsOneStep) {
  Run({"set", "src", "v", "px", "10000"});
  Run({"set", "dst", "old"});
  EXPECT_EQ(Run({"rename", "src", "dst"}), kOk);
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(Get("src"), Bulk("v"));
  EXPECT_EQ(PExpireTime("src"), Int(kStartMs + 10'000));
  EXPECT_EQ(Get("dst"), Bulk("old"));
  EXPECT_EQ(Redo(), Int(1));
  EXPECT_EQ(Get("src"), kNil);
  EXPECT_EQ(Get("dst"), Bulk("v"));
  EXPECT_EQ(PExpireTime("dst"), Int(kStartMs + 10'000));
}

TEST_F(UndoTest, ConflictWhenAnotherClientChangedTheKey) {
  Run({"set", "k", "mine"});
  EXPECT_EQ(RunAs(other_, {"set", "k", "theirs"}), kOk);
  EXPECT_EQ(Run({"undo"}), Conflict("k"));
  EXPECT_EQ(Get("k"), Bulk("theirs"));
  EXPECT_EQ(Run({"undo"}), Conflict("k"));  // the step stays; it still conflicts
  // The other client's history is its own.
  EXPECT_EQ(RunAs(other_, {"undo"}), Int(1));
  EXPECT_EQ(Get("k"), Bulk("mine"));
  EXPECT_EQ(RunAs(other_, {"undo"}), Int(0));
}

TEST_F(UndoTest, MultiKeyConflictChangesNothing) {
  Run({"mset", "a", "1", "b", "1"});
  RunAs(other_, {"set", "b", "9"});
  EXPECT_EQ(Run({"undo"}), Conflict("b"));
  EXPECT_EQ(Run({"mget", "a", "b"}), Arr({Bulk("1"), Bulk("9")}));
}

TEST_F(UndoTest, ACallIsAllOrNothing) {
  Run({"set", "x", "1"});
  Run({"set", "y", "1"});
  RunAs(other_, {"set", "x", "9"});
  EXPECT_EQ(Undo(2), Conflict("x"));  // the older step conflicts: the newer one is not applied
  EXPECT_EQ(Get("y"), Bulk("1"));
  EXPECT_EQ(Undo(1), Int(1));
  EXPECT_EQ(Get("y"), kNil);
  EXPECT_EQ(Get("x"), Bulk("9"));
}

TEST_F(UndoTest, RedoConflictsToo) {
  Run({"set", "k", "1"});
  EXPECT_EQ(Undo(), Int(1));
  RunAs(other_, {"set", "k", "5"});
  EXPECT_EQ(Run({"redo"}), Conflict("k", "redone"));
  EXPECT_EQ(Get("k"), Bulk("5"));
}

TEST_F(UndoTest, ExpiryOfTheWrittenKeyIsAConflict) {
  Run({"set", "k", "v", "px", "100"});
  clock_.Advance(100);
  EXPECT_EQ(Run({"undo"}), Conflict("k"));
}

TEST_F(UndoTest, ANewWriteClearsTheRedoStack) {
  Run({"set", "a", "1"});
  Run({"set", "a", "2"});
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(Run({"set", "a", "x", "nx"}), kNil);  // wrote nothing: redo survives
  EXPECT_EQ(Redo(), Int(1));
  EXPECT_EQ(Undo(), Int(1));
  Run({"set", "b", "1"});
  EXPECT_EQ(Redo(), Int(0));
  EXPECT_EQ(Get("a"), Bulk("1"));
  EXPECT_EQ(Undo(5), Int(2));  // SET b, then SET a 1
}

TEST_F(UndoTest, DepthBound) {
  server_.undo_depth_ = 3;
  for (const char* v : {"1", "2", "3", "4", "5"}) Run({"set", "k", v});
  EXPECT_EQ(Undo(10), Int(3));
  EXPECT_EQ(Get("k"), Bulk("2"));
  EXPECT_EQ(Redo(10), Int(3));
  EXPECT_EQ(Get("k"), Bulk("5"));
  // Lowering the depth applies from the next write.
  server_.undo_depth_ = 1;
  Run({"set", "k", "6"});
  EXPECT_EQ(Undo(10), Int(1));
  EXPECT_EQ(Get("k"), Bulk("5"));
  // 0 turns undo off and forgets the history.
  server_.undo_depth_ = 0;
  Run({"set", "k", "7"});
  EXPECT_EQ(Run({"undo"}), Int(0));
  EXPECT_EQ(Run({"redo"}), Int(0));
  EXPECT_EQ(Get("k"), Bulk("7"));
}

TEST_F(UndoTest, MemoryBound) {
  const std::string big(1000, 'x');
  server_.undo_depth_ = 0;  // populate without history
  Run({"mset", "a", big, "b", big, "c", big, "huge", std::string(3000, 'h')});
  server_.undo_depth_ = 16;
  server_.undo_max_bytes_ = 2500;  // room for two steps that each keep a 1000-byte value
  Run({"set", "a", "small"});
  Run({"set", "b", "small"});
  Run({"set", "c", "small"});
  EXPECT_EQ(Undo(5), Int(2));  // the oldest step was dropped
  EXPECT_EQ(Get("a"), Bulk("small"));
  EXPECT_EQ(Get("b"), Bulk(big));
  EXPECT_EQ(Get("c"), Bulk(big));

  // A write whose previous value alone exceeds the bound cannot be undone: the history is
  // cleared (the steps before it could not be undone newest first any more).
  Run({"set", "x", "1"});
  Run({"set", "huge", "small"});
  EXPECT_EQ(Run({"undo"}), Int(0));
  EXPECT_EQ(Get("huge"), Bulk("small"));
  EXPECT_EQ(Get("x"), Bulk("1"));
}

TEST_F(UndoTest, FlushallClearsTheCallersHistory) {
  Run({"set", "a", "1"});
  RunAs(other_, {"set", "b", "1"});
  EXPECT_EQ(Run({"flushall"}), kOk);
  EXPECT_EQ(Run({"undo"}), Int(0));
  EXPECT_EQ(RunAs(other_, {"undo"}), Conflict("b"));  // others keep theirs; b is gone
  Run({"set", "c", "1"});
  EXPECT_EQ(Run({"undo"}), Int(1));
  EXPECT_EQ(Run({"flushdb"}), kOk);
  EXPECT_EQ(Run({"redo"}), Int(0));
}

TEST_F(UndoTest, ReadOnlyClientsKeepNoHistory) {
  Run({"get", "k"});
  Run({"exists", "k"});
  Run({"undo"});
  EXPECT_TRUE(client_.undo == nullptr);
  Run({"set", "k", "v"});
  EXPECT_TRUE(client_.undo != nullptr);
}

TEST_F(UndoTest, Arguments) {
  EXPECT_EQ(Run({"undo", "0"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(Run({"redo", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(Run({"undo", "x"}), kNotInt);
  EXPECT_EQ(Run({"undo", "1", "2"}), kSyntax);
  const CommandSpec* undo = table_.Find("undo");
  ASSERT_NE(undo, nullptr);
  EXPECT_EQ(undo->arity, -1);
  EXPECT_NE(undo->flags & kCmdWrite, 0u);
  EXPECT_NE(table_.Find("REDO"), nullptr);
}

// An in-memory tier that can fail a chosen write.
class RecordingTier final : public BackingTier {
 public:
  Status Write(std::span<const TierWrite> writes) override {
    if (fail_at_ >= 0 && writes_ == fail_at_) {
      ++writes_;
      fail_at_ = -1;
      return Status::IoError("disk full");
    }
    ++writes_;
    for (const TierWrite& w : writes) {
      if (w.is_delete) {
        data_.erase(std::string(w.key));
      } else {
        data_[std::string(w.key)] = {std::string(w.value), w.expire_at_ms};
      }
    }
    return Status();
  }
  Status Clear() override {
    data_.clear();
    return Status();
  }
  Result<std::optional<TierRecord>> Read(std::string_view) override {
    return std::optional<TierRecord>();
  }

  // The value the tier holds ("" with found == false when absent).
  std::string ValueOf(const std::string& key, bool* found = nullptr) const {
    const auto it = data_.find(key);
    if (found != nullptr) *found = it != data_.end();
    return it == data_.end() ? "" : it->second.first;
  }
  int64_t ExpiryOf(const std::string& key) const { return data_.at(key).second; }
  void FailWrite(int after) { fail_at_ = writes_ + after; }  // the write `after` from now fails

 private:
  std::map<std::string, std::pair<std::string, int64_t>> data_;
  int writes_ = 0;
  int fail_at_ = -1;
};

class UndoWriteThroughTest : public UndoTest {
 protected:
  UndoWriteThroughTest() {
    cache_->SetBackingTier(&tier_);
    EXPECT_TRUE(cache_->SetWriteMode(WriteMode::kWriteThrough).ok());
  }
  ~UndoWriteThroughTest() override { cache_->SetBackingTier(nullptr); }

  RecordingTier tier_;
};

TEST_F(UndoWriteThroughTest, UndoAndRedoGoThroughTheWritePolicy) {
  Run({"set", "k", "1"});
  Run({"set", "k", "2", "px", "5000"});
  EXPECT_EQ(tier_.ValueOf("k"), "2");
  EXPECT_EQ(Undo(), Int(1));
  EXPECT_EQ(tier_.ValueOf("k"), "1");
  EXPECT_EQ(tier_.ExpiryOf("k"), 0);
  EXPECT_EQ(Redo(), Int(1));
  EXPECT_EQ(tier_.ValueOf("k"), "2");
  EXPECT_EQ(tier_.ExpiryOf("k"), kStartMs + 5'000);
  EXPECT_EQ(Undo(2), Int(2));
  bool found = true;
  tier_.ValueOf("k", &found);
  EXPECT_FALSE(found);
}

TEST_F(UndoWriteThroughTest, AFailedWriteRollsTheStepBack) {
  Run({"mset", "a", "1", "b", "1"});
  tier_.FailWrite(1);  // the step's first key is written, its second refused
  EXPECT_EQ(Run({"undo"}), "-MISCONF Errors writing to the persistent store: disk full\r\n");
  EXPECT_EQ(Run({"mget", "a", "b"}), Arr({Bulk("1"), Bulk("1")}));
  EXPECT_EQ(tier_.ValueOf("a"), "1");
  EXPECT_EQ(tier_.ValueOf("b"), "1");
  EXPECT_EQ(Undo(), Int(1));  // the history is intact
  EXPECT_EQ(Run({"exists", "a", "b"}), Int(0));
}

TEST_F(UndoWriteThroughTest, ARolledBackKeyStaysRedoable) {
  Run({"mset", "a", "1", "b", "1"});
  Run({"set", "a", "2"});
  EXPECT_EQ(Undo(), Int(1));  // a back to 1; SET a 2 can be redone
  tier_.FailWrite(1);         // undoing the MSET: a is deleted, b refused, a written back
  EXPECT_EQ(Undo(), "-MISCONF Errors writing to the persistent store: disk full\r\n");
  EXPECT_EQ(Get("a"), Bulk("1"));
  EXPECT_EQ(Redo(), Int(1));  // a was rewritten at a new version: the redo step follows it
  EXPECT_EQ(Get("a"), Bulk("2"));
  EXPECT_EQ(Undo(2), Int(2));
  EXPECT_EQ(Run({"exists", "a", "b"}), Int(0));
}

TEST_F(UndoWriteThroughTest, AFailedStepRollsTheWholeCallBack) {
  Run({"set", "a", "1"});
  Run({"set", "b", "1"});
  tier_.FailWrite(1);  // UNDO 2: the newer step (b) is applied, the older one (a) refused
  EXPECT_EQ(Undo(2), "-MISCONF Errors writing to the persistent store: disk full\r\n");
  EXPECT_EQ(Run({"mget", "a", "b"}), Arr({Bulk("1"), Bulk("1")}));
  EXPECT_EQ(tier_.ValueOf("b"), "1");
  EXPECT_EQ(Undo(2), Int(2));
  EXPECT_EQ(Run({"exists", "a", "b"}), Int(0));
  EXPECT_EQ(Redo(2), Int(2));
  EXPECT_EQ(tier_.ValueOf("a"), "1");
}

}  // namespace
}  // namespace cairn::test
