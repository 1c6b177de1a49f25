// The hot paths allocate nothing once their buffers are warm: parsing a multibulk command into
// reused CommandArgs, and writing integer / bulk / array replies into a reserved buffer.
// Counts allocations by replacing the global operator new for this test binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "cairn/protocol/reply_builder.h"
#include "cairn/protocol/resp_parser.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Out of line, so that GCC does not pair the inlined free() with operator new and warn.
[[gnu::noinline]] void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace cairn {
namespace {

TEST(AllocationTest, CounterSeesAllocations) {
  const long before = g_allocations.load();
  void* volatile p = ::operator new(64);  // a direct call: never elided
  ::operator delete(p);
  EXPECT_EQ(g_allocations.load() - before, 1);
}

TEST(AllocationTest, MultibulkParsingReusesArgs) {
  const std::string pipeline =
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
  RespParser parser;
  CommandArgs args;
  ASSERT_EQ(parser.Parse(pipeline, args).status, ParseStatus::kComplete);  // warm argv
  const long before = g_allocations.load();
  size_t pos = 0;
  int commands = 0;
  for (int round = 0; round < 100; ++round, pos = 0) {
    while (pos < pipeline.size()) {
      ParseResult r = parser.Parse(std::string_view(pipeline).substr(pos), args);
      ASSERT_EQ(r.status, ParseStatus::kComplete);
      pos += r.consumed;
      ++commands;
    }
  }
  EXPECT_EQ(commands, 200);
  EXPECT_EQ(g_allocations.load() - before, 0);
}

TEST(AllocationTest, RepliesIntoAReservedBuffer) {
  std::string out;
  out.reserve(4096);
  const long before = g_allocations.load();
  ReplyBuilder rb(out);
  rb.ArrayHeader(3);
  rb.Integer(-9223372036854775807LL - 1);
  rb.Bulk("value");
  std::memcpy(rb.BulkSpace(3), "abc", 3);
  rb.Error("ERR no such key");
  rb.SimpleString("OK");
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(out,
            "*3\r\n:-9223372036854775808\r\n$5\r\nvalue\r\n$3\r\nabc\r\n-ERR no such key\r\n"
            "+OK\r\n");
}

}  // namespace
}  // namespace cairn
