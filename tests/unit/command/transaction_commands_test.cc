// MULTI / EXEC / DISCARD / WATCH / UNWATCH through the real dispatcher (exact RESP bytes; the
// same texts are checked against redis-server 7.0 in tests/integration/test_transactions.py).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "command_fixture.h"

namespace cairn::test {
namespace {

constexpr std::string_view kQueued = "+QUEUED\r\n";
const std::string kExecAbort = "-EXECABORT Transaction discarded because of previous errors.\r\n";
constexpr std::string_view kNullArray = "*-1\r\n";

class TransactionTest : public CommandTest {
 protected:
  ClientState other_;  // another connection
  std::string Other(std::initializer_list<std::string_view> args) {
    return RunAs(other_, std::vector<std::string_view>(args));
  }
  // WATCH w; then `change` (as another client); MULTI; GET w; EXEC -> the EXEC reply.
  template <typename F>
  std::string WatchedExec(F&& change) {
    EXPECT_EQ(Run({"WATCH", "w"}), kOk);
    change();
    EXPECT_EQ(Run({"MULTI"}), kOk);
    EXPECT_EQ(Run({"GET", "w"}), kQueued);
    return Run({"EXEC"});
  }
};

TEST_F(TransactionTest, QueuesThenRunsInOrder) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_TRUE(client_.in_multi);
  EXPECT_EQ(client_.multi_count, 0);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"INCRBY", "a", "5"}), kQueued);
  EXPECT_EQ(Run({"GET", "a"}), kQueued);
  EXPECT_EQ(client_.multi_count, 3);
  EXPECT_EQ(Other({"GET", "a"}), kNil);  // nothing ran yet
  EXPECT_EQ(Run({"EXEC"}), "*3\r\n+OK\r\n:6\r\n$1\r\n6\r\n");
  EXPECT_FALSE(client_.in_multi);
  EXPECT_EQ(client_.multi_count, -1);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionTest, ControlErrors) {
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_EQ(Run({"DISCARD"}), Err("ERR DISCARD without MULTI"));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), Err("ERR MULTI calls can not be nested"));
  EXPECT_EQ(Run({"WATCH", "x"}), Err("ERR WATCH inside MULTI is not allowed"));
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  // Neither error above aborts the transaction (as in Redis).
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(TransactionTest, RefusedCommandAbortsExec) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"GET"}), Arity("get"));
  EXPECT_EQ(Run({"EXEC"}), kExecAbort);
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));

  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"NOSUCH", "x"}),
            Err("ERR unknown command 'NOSUCH', with args beginning with: 'x' "));
  EXPECT_EQ(Run({"EXEC"}), kExecAbort);

  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SHUTDOWN"}), Err("ERR Command not allowed inside a transaction"));
  EXPECT_EQ(Run({"UNDO"}), Err("ERR Command not allowed inside a transaction"));
  EXPECT_EQ(Run({"EXEC"}), kExecAbort);
}

TEST_F(TransactionTest, RuntimeErrorsStayInTheirSlot) {
  EXPECT_EQ(Run({"SET", "s", "abc"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"INCR", "s"}), kQueued);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), kQueued);
  EXPECT_EQ(Run({"SET", "b", "2"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), "*3\r\n" + std::string(kNotInt) +
                               "-ERR invalid expire time in 'set' command\r\n" + std::string(kOk));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("2"));
}

TEST_F(TransactionTest, DiscardDropsQueueAndWatches) {
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"DISCARD"}), kOk);
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Other({"SET", "w", "x"}), kOk);  // no longer watched
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionTest, ResetLeavesMulti) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(client_.in_multi);
  EXPECT_EQ(Run({"EXEC"}), Err("ERR EXEC without MULTI"));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
}

TEST_F(TransactionTest, QueueIsBounded) {
  server_.proto_max_bulk_len_ = 64;
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  const std::string big(100, 'x');
  EXPECT_EQ(Run({"SET", "b", big}),
            Err("ERR transaction too large (its commands exceed proto-max-bulk-len)"));
  EXPECT_EQ(Run({"EXEC"}), kExecAbort);
}

TEST_F(TransactionTest, WatchUntouchedRuns) {
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] {
              EXPECT_EQ(Other({"SET", "other", "2"}), kOk);
            }),
            "*1\r\n" + Bulk("1"));
}

TEST_F(TransactionTest, WatchAbortsOnAnotherClientsWrite) {
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"APPEND", "w", "2"}), Int(2)); }), kNullArray);
  // EXEC unwatched: the next transaction runs.
  EXPECT_EQ(Other({"SET", "w", "3"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"GET", "w"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n" + Bulk("3"));
}

TEST_F(TransactionTest, WatchAbortsOnMetadataChangeAndDelete) {
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"EXPIRE", "w", "100"}), Int(1)); }), kNullArray);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"PERSIST", "w"}), Int(1)); }), kNullArray);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"DEL", "w"}), Int(1)); }), kNullArray);
  // Absent at WATCH, written then deleted again: still a change.
  EXPECT_EQ(WatchedExec([&] {
              EXPECT_EQ(Other({"SET", "w", "1"}), kOk);
              EXPECT_EQ(Other({"DEL", "w"}), Int(1));
            }),
            kNullArray);
}

TEST_F(TransactionTest, WatchAbortsOnRenameBothEnds) {
  EXPECT_EQ(Run({"SET", "src", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"RENAME", "src", "w"}), kOk); }), kNullArray);
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(Other({"RENAME", "w", "elsewhere"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), kNullArray);
}

TEST_F(TransactionTest, WatchAbortsOnExpiry) {
  EXPECT_EQ(Run({"SET", "w", "1", "PX", "100"}), kOk);
  EXPECT_EQ(WatchedExec([&] { clock_.Advance(200); }), kNullArray);
  // A key already expired when watched does not abort (Redis 7.0).
  EXPECT_EQ(Run({"SET", "w", "1", "PX", "100"}), kOk);
  clock_.Advance(200);
  EXPECT_EQ(WatchedExec([] {}), "*1\r\n" + std::string(kNil));
}

TEST_F(TransactionTest, WatchAbortsOnActiveExpiry) {
  EXPECT_EQ(Run({"SET", "w", "1", "PX", "100"}), kOk);
  EXPECT_EQ(WatchedExec([&] {
              clock_.Advance(200);
              cache_->ActiveExpireCycle();
            }),
            kNullArray);
}

TEST_F(TransactionTest, WatchAbortsOnFlushallOnlyForExistingKeys) {
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"FLUSHALL"}), kOk); }), kNullArray);
  EXPECT_EQ(Run({"SET", "x", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"FLUSHALL"}), kOk); }),
            "*1\r\n" + std::string(kNil));
}

TEST_F(TransactionTest, WatchAbortsOnEviction) {
  CacheOptions options;
  options.shards = 1;
  options.max_items = 1;
  options.eviction_policy = "lru";
  Reset(options);
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"SET", "newer", "2"}), kOk); }), kNullArray);
  EXPECT_EQ(Run({"EXISTS", "w"}), Int(0));
}

// At maxmemory with noeviction, Redis 7.0 refuses every command queued in MULTI (reads too)
// but EXEC / DISCARD, and an EXEC whose queue may grow the dataset (checked against
// redis-server 7.0 in tests/integration/test_transactions.py).
TEST_F(TransactionTest, OutOfMemoryRefusesQueuedCommandsAndExec) {
  const std::string oom = Err("OOM command not allowed when used memory > 'maxmemory'.");
  CacheOptions options;
  options.shards = 1;
  options.max_items = 1;
  options.eviction_policy = "noeviction";
  Reset(options);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);  // room for one key: not out of memory yet
  EXPECT_EQ(Other({"SET", "full", "1"}), kOk);
  EXPECT_EQ(Run({"EXEC"}),
            Err("EXECABORT Transaction discarded because of: OOM command not allowed when used "
                "memory > 'maxmemory'."));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"GET", "full"}), oom);
  EXPECT_EQ(Run({"MULTI"}), oom);
  EXPECT_EQ(Run({"WATCH", "x"}), oom);
  EXPECT_EQ(Run({"EXEC"}), kExecAbort);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"DISCARD"}), kOk);
  // Outside MULTI reads and deletes still run; once there is room again, MULTI works.
  EXPECT_EQ(Run({"GET", "full"}), Bulk("1"));
  EXPECT_EQ(Run({"DEL", "full"}), Int(1));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n+OK\r\n");
  // A queue of reads still runs when memory fills up before EXEC.
  EXPECT_EQ(Run({"DEL", "a"}), Int(1));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"GET", "full"}), kQueued);
  EXPECT_EQ(Other({"SET", "full", "2"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n" + Bulk("2"));
}

TEST_F(TransactionTest, WatchAbortsOnRestore) {
  EXPECT_EQ(Run({"SET", "w", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] {
              std::vector<CacheManager::RestoreEntry> entries(1);
              entries[0].key = "w";
              entries[0].value = "1";
              cache_->Restore(std::move(entries));
            }),
            kNullArray);
}

TEST_F(TransactionTest, WatchAbortsOnAnotherClientsUndo) {
  EXPECT_EQ(Other({"SET", "w", "1"}), kOk);
  EXPECT_EQ(WatchedExec([&] { EXPECT_EQ(Other({"UNDO"}), Int(1)); }), kNullArray);
}

TEST_F(TransactionTest, OwnWriteBeforeExecAborts) {
  EXPECT_EQ(Run({"WATCH", "w"}), kOk);
  EXPECT_EQ(Run({"SET", "w", "mine"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), kNullArray);
}

TEST_F(TransactionTest, UnwatchForgets) {
  EXPECT_EQ(Run({"WATCH", "w", "w", "v"}), kOk);
  EXPECT_EQ(Run({"UNWATCH"}), kOk);
  EXPECT_EQ(Other({"SET", "w", "1"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"GET", "w"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n" + Bulk("1"));
}

TEST_F(TransactionTest, ExecIsOneUndoStep) {
  EXPECT_EQ(Run({"SET", "a", "old"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "new"}), kQueued);
  EXPECT_EQ(Run({"SET", "b", "1"}), kQueued);
  EXPECT_EQ(Run({"INCR", "b"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), "*3\r\n+OK\r\n+OK\r\n:2\r\n");
  EXPECT_EQ(Run({"UNDO"}), Int(1));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("old"));
  EXPECT_EQ(Run({"EXISTS", "b"}), Int(0));
  EXPECT_EQ(Run({"REDO"}), Int(1));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("new"));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("2"));
  EXPECT_EQ(Run({"UNDO"}), Int(1));
  EXPECT_EQ(Run({"UNDO"}), Int(1));  // the SET before the transaction
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
}

TEST_F(TransactionTest, QueuedCommandsCountInCommandStats) {
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(table_.Find("set")->stats.calls.load(), 0u);  // queued, not run
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n+OK\r\n");
  EXPECT_EQ(table_.Find("set")->stats.calls.load(), 1u);
  EXPECT_EQ(table_.Find("exec")->stats.calls.load(), 1u);
}

}  // namespace
}  // namespace cairn::test
