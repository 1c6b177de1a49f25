#include "cairn/observability/slowlog.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "cairn/protocol/reply_builder.h"

namespace cairn {
namespace {

std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

bool Add(SlowLog& log, std::vector<std::string> args, int64_t us, std::string addr = "1.2.3.4:5",
         std::string name = "") {
  auto views = Views(args);
  return log.MaybeAdd(views, us, addr, name);
}

TEST(SlowLogTest, ThresholdLikeRedis) {
  ManualClock clock;
  SlowLog log(clock, /*log_slower_than_us=*/100, /*max_len=*/10);
  EXPECT_FALSE(Add(log, {"get", "k"}, 99));
  EXPECT_TRUE(Add(log, {"get", "k"}, 100));  // duration >= threshold
  log.set_log_slower_than(-1);               // disabled
  EXPECT_FALSE(Add(log, {"get", "k"}, 1'000'000));
  log.set_log_slower_than(0);  // everything
  EXPECT_TRUE(Add(log, {"ping"}, 0));
  EXPECT_EQ(log.Len(), 2u);
}

TEST(SlowLogTest, EntriesAreNewestFirstWithIdsTimesAndClient) {
  ManualClock clock(1'700'000'000'500);
  SlowLog log(clock, 0, 10);
  Add(log, {"set", "a", "1"}, 10, "127.0.0.1:5000", "worker");
  clock.Advance(2'000);
  Add(log, {"get", "a"}, 20, "127.0.0.1:5001", "");
  std::vector<SlowLogEntry> all = log.Get(-1);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, 1);
  EXPECT_EQ(all[0].time_s, 1'700'000'002);
  EXPECT_EQ(all[0].duration_us, 20);
  EXPECT_EQ(all[0].args, (std::vector<std::string>{"get", "a"}));
  EXPECT_EQ(all[0].client_addr, "127.0.0.1:5001");
  EXPECT_EQ(all[1].id, 0);
  EXPECT_EQ(all[1].time_s, 1'700'000'000);
  EXPECT_EQ(all[1].client_name, "worker");
  EXPECT_EQ(log.Get(1).size(), 1u);
  EXPECT_EQ(log.Get(1)[0].id, 1);
  EXPECT_TRUE(log.Get(0).empty());
  EXPECT_EQ(log.Get().size(), 2u);  // default 10
}

TEST(SlowLogTest, BoundedByMaxLenAndResetKeepsIdsGrowing) {
  ManualClock clock;
  SlowLog log(clock, 0, 3);
  for (int i = 0; i < 5; ++i) Add(log, {"cmd" + std::to_string(i)}, 1);
  std::vector<SlowLogEntry> all = log.Get(-1);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].args[0], "cmd4");
  EXPECT_EQ(all[2].args[0], "cmd2");
  log.set_max_len(1);
  EXPECT_EQ(log.Len(), 1u);
  EXPECT_EQ(log.Get(-1)[0].args[0], "cmd4");
  log.Reset();
  EXPECT_EQ(log.Len(), 0u);
  Add(log, {"after"}, 1);
  EXPECT_EQ(log.Get(-1)[0].id, 5);  // Redis does not reset slowlog_entry_id
  log.set_max_len(0);
  EXPECT_EQ(log.Len(), 0u);
  Add(log, {"x"}, 1);
  EXPECT_EQ(log.Len(), 0u);
}

TEST(SlowLogTest, TrimsArgumentsLikeRedis) {
  ManualClock clock;
  SlowLog log(clock, 0, 10);
  // 41 arguments: 31 kept, the 32nd says how many more (41 - 32 + 1).
  std::vector<std::string> many = {"del"};
  for (int i = 1; i <= 40; ++i) many.push_back(std::to_string(i));
  Add(log, many, 1);
  SlowLogEntry e = log.Get(1)[0];
  ASSERT_EQ(e.args.size(), 32u);
  EXPECT_EQ(e.args[30], "30");
  EXPECT_EQ(e.args[31], "... (10 more arguments)");

  // Exactly 32 arguments are kept as they are.
  std::vector<std::string> exact(many.begin(), many.begin() + 32);
  Add(log, exact, 1);
  e = log.Get(1)[0];
  EXPECT_EQ(e.args, exact);

  // 33 arguments: "... (2 more arguments)".
  std::vector<std::string> one_over(many.begin(), many.begin() + 33);
  Add(log, one_over, 1);
  EXPECT_EQ(log.Get(1)[0].args[31], "... (2 more arguments)");

  // Long strings: 128 bytes then "... (N more bytes)"; exactly 128 is kept whole.
  Add(log, {"set", "k", std::string(200, 'a'), std::string(128, 'b')}, 1);
  e = log.Get(1)[0];
  EXPECT_EQ(e.args[2], std::string(128, 'a') + "... (72 more bytes)");
  EXPECT_EQ(e.args[3], std::string(128, 'b'));
}

TEST(SlowLogTest, ReplyFormat) {
  ManualClock clock(1'700'000'000'000);
  SlowLog log(clock, 0, 10);
  Add(log, {"get", "k"}, 15, "127.0.0.1:6000", "app");
  std::string out;
  ReplyBuilder rb(out);
  auto entries = log.Get(10);
  ReplySlowLogEntries(entries, rb);
  EXPECT_EQ(out,
            "*1\r\n*6\r\n:0\r\n:1700000000\r\n:15\r\n*2\r\n$3\r\nget\r\n$1\r\nk\r\n"
            "$14\r\n127.0.0.1:6000\r\n$3\r\napp\r\n");
  out.clear();
  ReplySlowLogEntries({}, rb);
  EXPECT_EQ(out, "*0\r\n");
}

TEST(SlowLogTest, ConcurrentAddsStayBoundedWithUniqueIds) {
  ManualClock clock;
  SlowLog log(clock, 0, 64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) Add(log, {"cmd"}, i);
    });
  }
  for (auto& th : threads) th.join();
  std::vector<SlowLogEntry> all = log.Get(-1);
  EXPECT_EQ(all.size(), 64u);
  EXPECT_EQ(all[0].id, 3999);
  std::set<int64_t> ids;
  for (const auto& e : all) ids.insert(e.id);
  EXPECT_EQ(ids.size(), 64u);
}

}  // namespace
}  // namespace cairn
