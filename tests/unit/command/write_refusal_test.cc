// Every write command answers a refused write through replies::WriteRefused: -MISCONF when the
// write-through store refused it, -BUSY over the write-back hard limit, and the refused write
// changes nothing (in memory, in the store, in the undo history).
#include <map>
#include <string>
#include <vector>

#include "cairn/cache/backing_tier.h"
#include "command_fixture.h"

namespace cairn::test {
namespace {

constexpr std::string_view kIoErr =
    "-MISCONF Errors writing to the persistent store: disk full\r\n";
constexpr std::string_view kBusy =
    "-BUSY write-back backlog over write-back-hard-limit; retry later\r\n";

// An in-memory tier whose writes (and Clear) can be made to fail.
class FaultTier final : public BackingTier {
 public:
  Status Write(std::span<const TierWrite> writes) override {
    if (ok_writes_left_ == 0) return Status::IoError(message_);
    if (ok_writes_left_ > 0) --ok_writes_left_;
    for (const TierWrite& w : writes) {
      if (w.is_delete) {
        data_.erase(std::string(w.key));
      } else {
        data_[std::string(w.key)] = std::string(w.value);
      }
    }
    return Status();
  }
  Status Clear() override {
    if (fail_clear_) return Status::IoError("store is read-only");
    data_.clear();
    return Status();
  }
  Result<std::optional<TierRecord>> Read(std::string_view) override {
    return std::optional<TierRecord>();
  }

  // After `n` more successful write batches, every write fails (-1: never).
  void FailWritesAfter(int n) { ok_writes_left_ = n; }
  void FailClear(bool on) { fail_clear_ = on; }
  void SetMessage(std::string m) { message_ = std::move(m); }
  std::map<std::string, std::string> data() const { return data_; }

 private:
  std::map<std::string, std::string> data_;
  int ok_writes_left_ = -1;
  bool fail_clear_ = false;
  std::string message_ = "disk full";
};

class WriteRefusalTest : public CommandTest {
 protected:
  ~WriteRefusalTest() override { cache_->SetBackingTier(nullptr); }

  void UseTier(WriteMode mode) {
    cache_->SetBackingTier(&tier_);
    ASSERT_TRUE(cache_->SetWriteMode(mode).ok());
  }

  // Keys a (with a TTL), b, n (an integer) and f (a float), in memory and in the store.
  void Seed() {
    ASSERT_EQ(Run({"set", "a", "hello", "px", "100000"}), kOk);
    ASSERT_EQ(Run({"set", "b", "world"}), kOk);
    ASSERT_EQ(Run({"set", "n", "10"}), kOk);
    ASSERT_EQ(Run({"set", "f", "1.5"}), kOk);
  }

  // Everything a refused write must leave alone: values, expiries, key count.
  std::string State() {
    return Run({"mget", "a", "b", "n", "f", "new", "other"}) + Run({"pttl", "a"}) +
           Run({"pttl", "b"}) + Run({"dbsize"});
  }

  FaultTier tier_;
};

// Every write command of the string and keyspace families, each touching the seeded keys.
const std::vector<std::vector<std::string_view>> kWrites = {
    {"set", "a", "x"},
    {"set", "new", "x"},
    {"set", "a", "x", "get"},
    {"set", "a", "x", "keepttl"},
    {"set", "b", "x", "xx", "ex", "10"},
    {"set", "a", "x", "pxat", "1"},  // written already expired: a delete
    {"setnx", "new", "x"},
    {"setex", "b", "10", "x"},
    {"psetex", "new", "10", "x"},
    {"getset", "a", "x"},
    {"mset", "a", "x", "new", "y"},
    {"msetnx", "new", "x", "other", "y"},
    {"incr", "n"},
    {"decr", "n"},
    {"incrby", "n", "5"},
    {"decrby", "n", "5"},
    {"incr", "new"},
    {"incrbyfloat", "f", "0.25"},
    {"append", "b", "!"},
    {"append", "new", "x"},
    {"setrange", "b", "2", "xyz"},
    {"setrange", "new", "3", "x"},
    {"getdel", "a"},
    {"getex", "a", "ex", "50"},
    {"getex", "a", "persist"},
    {"getex", "b", "pxat", "1"},  // in the past: a delete
    {"del", "a"},
    {"del", "b", "a"},
    {"unlink", "b"},
    {"expire", "b", "100"},
    {"pexpire", "a", "5", "lt"},
    {"expireat", "b", "1"},  // in the past: a delete
    {"pexpireat", "a", "99999999999999"},
    {"expire", "a", "-1"},
    {"persist", "a"},
    {"rename", "a", "new"},
    {"rename", "a", "b"},
    {"renamenx", "b", "new"},
};

std::string Name(const std::vector<std::string_view>& args) {
  std::string s;
  for (std::string_view a : args) s.append(a).append(" ");
  return s;
}

TEST_F(WriteRefusalTest, EveryWriteAnswersIoErrorAndChangesNothing) {
  UseTier(WriteMode::kWriteThrough);
  Seed();
  const std::map<std::string, std::string> stored = tier_.data();
  ASSERT_EQ(stored.size(), 4u);
  tier_.FailWritesAfter(0);
  const std::string before = State();
  for (const auto& args : kWrites) {
    EXPECT_EQ(Run(args), kIoErr) << Name(args);
    EXPECT_EQ(State(), before) << Name(args);
  }
  EXPECT_EQ(tier_.data(), stored);
  tier_.FailWritesAfter(-1);
  // Nothing changed, so nothing was recorded: UNDO has no step to take back.
  EXPECT_EQ(Run({"undo"}), Int(1));  // the seeding SET f, the newest step
  EXPECT_EQ(Run({"exists", "f"}), Int(0));
}

TEST_F(WriteRefusalTest, TheSameWritesSucceedWhenTheStoreWorks) {
  // The control for the test above: each write does change something.
  UseTier(WriteMode::kWriteThrough);
  for (const auto& args : kWrites) {
    Run({"flushall"});
    Seed();
    const std::string before = State();
    const std::string reply = Run(args);
    EXPECT_NE(reply[0], '-') << Name(args) << reply;
    EXPECT_NE(State(), before) << Name(args);
  }
}

TEST_F(WriteRefusalTest, TheStoreMessageIsPassedOnAsOneLine) {
  UseTier(WriteMode::kWriteThrough);
  tier_.FailWritesAfter(0);
  tier_.SetMessage("IO error: /data/000012.log:\r\nNo space left on device");
  EXPECT_EQ(Run({"set", "k", "v"}),
            "-MISCONF Errors writing to the persistent store: IO error: /data/000012.log:  No "
            "space left on device\r\n");
  tier_.SetMessage("disk full");
  EXPECT_EQ(Run({"incr", "k"}), kIoErr);
  EXPECT_EQ(Run({"get", "k"}), kNil);  // reads are not refused
  tier_.FailWritesAfter(-1);
  EXPECT_EQ(Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(tier_.data().at("k"), "v");
}

TEST_F(WriteRefusalTest, ReadsAnsweredBeforeARefusalAreNotSent) {
  // GETDEL and GETEX copy the value into the reply before the store write: on refusal the
  // reply is the error alone.
  UseTier(WriteMode::kWriteThrough);
  Seed();
  tier_.FailWritesAfter(0);
  EXPECT_EQ(Run({"getdel", "b"}), kIoErr);
  EXPECT_EQ(Run({"getex", "b", "px", "10"}), kIoErr);
  EXPECT_EQ(Run({"getex", "b"}), Bulk("world"));  // no expiry change: nothing to write
  EXPECT_EQ(Run({"getdel", "missing"}), kNil);    // nothing to delete: nothing refused
  EXPECT_EQ(Run({"del", "missing"}), Int(0));
  tier_.FailWritesAfter(-1);
  EXPECT_EQ(Run({"getdel", "b"}), Bulk("world"));
  EXPECT_EQ(Run({"get", "b"}), kNil);
  EXPECT_EQ(tier_.data().count("b"), 0u);
}

TEST_F(WriteRefusalTest, DelStopsAtTheFirstRefusedKey) {
  UseTier(WriteMode::kWriteThrough);
  Seed();
  tier_.FailWritesAfter(1);  // "a" is deleted, "b" refused, "n" not tried
  EXPECT_EQ(Run({"del", "a", "missing", "b", "n"}), kIoErr);
  EXPECT_EQ(Run({"exists", "a", "b", "n"}), Int(2));
  EXPECT_EQ(tier_.data().count("a"), 0u);
  EXPECT_EQ(tier_.data().count("b"), 1u);
  // The delete that happened is one undo step.
  tier_.FailWritesAfter(-1);
  EXPECT_EQ(Run({"undo"}), Int(1));
  EXPECT_EQ(Run({"get", "a"}), Bulk("hello"));
}

TEST_F(WriteRefusalTest, FlushAllReportsAStoreThatWasNotCleared) {
  UseTier(WriteMode::kWriteThrough);
  Seed();
  tier_.FailClear(true);
  const std::string refused = "-IOERR clearing the persistent store failed: store is read-only\r\n";
  EXPECT_EQ(Run({"flushall"}), refused);
  EXPECT_EQ(Run({"dbsize"}), Int(0));  // memory is empty; the store still has the keys
  EXPECT_EQ(tier_.data().size(), 4u);
  EXPECT_EQ(Run({"flushdb", "async"}), refused);
  tier_.FailClear(false);
  // An earlier I/O error on this thread does not make a later good flush fail.
  tier_.FailWritesAfter(0);
  EXPECT_EQ(Run({"set", "k", "v"}), kIoErr);
  EXPECT_EQ(Run({"flushall"}), kOk);
  EXPECT_TRUE(tier_.data().empty());
}

TEST_F(WriteRefusalTest, FlushAllWithoutAStoreIsOkAfterAnIoError) {
  UseTier(WriteMode::kWriteThrough);
  tier_.FailWritesAfter(0);
  EXPECT_EQ(Run({"set", "k", "v"}), kIoErr);
  ASSERT_TRUE(cache_->SetWriteMode(WriteMode::kNone).ok());
  EXPECT_EQ(Run({"flushall"}), kOk);
}

TEST_F(WriteRefusalTest, WritesOverTheWriteBackHardLimitAnswerBusy) {
  UseTier(WriteMode::kWriteBack);
  cache_->SetWriteBackLimits({.max_keys = 4, .reject = true});
  Seed();  // four dirty keys: the backlog is at its limit
  ASSERT_EQ(cache_->dirty_keys(), 4u);
  const std::string before = State();
  const std::vector<std::vector<std::string_view>> throttled = {
      {"set", "new", "x"},
      {"setnx", "new", "x"},
      {"setex", "b", "10", "x"},
      {"getset", "a", "x"},
      {"mset", "new", "x"},
      {"msetnx", "new", "x"},
      {"incr", "n"},
      {"incrbyfloat", "f", "1"},
      {"append", "b", "!"},
      {"setrange", "b", "0", "x"},
      {"getdel", "a"},
      {"del", "a", "b"},
      {"unlink", "a"},
  };
  for (const auto& args : throttled) {
    EXPECT_EQ(Run(args), kBusy) << Name(args);
    EXPECT_EQ(State(), before) << Name(args);
  }
  EXPECT_EQ(Run({"get", "a"}), Bulk("hello"));  // reads are not throttled
  const CacheManager::FlushResult flushed = cache_->FlushDirty();
  EXPECT_EQ(flushed.written, 4u);
  EXPECT_TRUE(flushed.status.ok()) << flushed.status.ToString();
  EXPECT_EQ(Run({"set", "new", "x"}), kOk);
  EXPECT_EQ(Run({"del", "a", "b"}), Int(2));
}

}  // namespace
}  // namespace cairn::test
