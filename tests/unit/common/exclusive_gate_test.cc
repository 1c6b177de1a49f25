// ExclusiveGate: an exclusive section is never observed half-done by a shared one, and the
// guards pass through when the thread already holds the gate. Meant to run under TSan too.
#include "cairn/common/exclusive_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace cairn {
namespace {

TEST(ExclusiveGateTest, ReadersNeverSeeHalfAWriterSection) {
  ExclusiveGate gate;
  // Two plain counters whose sum the writers keep constant; the second write is delayed by a
  // yield so that a reader running without exclusion would see the gap (and TSan, in a
  // -fsanitize=thread build, the race: the gate is what orders these accesses).
  int64_t a = 1000, b = 0;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> bad{0}, reads{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        GateGuard g(&gate, GateGuard::Mode::kShared);
        if (a + b != 1000) {
          bad.fetch_add(1);
        }
        reads.fetch_add(1);
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        GateGuard g(&gate, GateGuard::Mode::kExclusive);
        --a;
        std::this_thread::yield();
        ++b;
      }
    });
  }
  for (auto& t : writers) t.join();
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(a + b, 1000);
  EXPECT_EQ(b, 4000);
}

TEST(ExclusiveGateTest, GuardsAreReentrantPerThread) {
  ExclusiveGate gate;
  {
    GateGuard outer(&gate, GateGuard::Mode::kExclusive);
    EXPECT_TRUE(gate.HeldByThisThread());
    EXPECT_TRUE(gate.exclusive());
    GateGuard inner(&gate, GateGuard::Mode::kShared);  // would deadlock if it locked
  }
  EXPECT_FALSE(gate.HeldByThisThread());
  EXPECT_FALSE(gate.exclusive());
  {
    GateGuard outer(&gate, GateGuard::Mode::kShared);
    GateGuard inner(&gate, GateGuard::Mode::kShared);
    EXPECT_TRUE(gate.HeldByThisThread());
    EXPECT_FALSE(gate.exclusive());
  }
  // Another thread can take it exclusively once this one has left.
  std::thread([&] { GateGuard g(&gate, GateGuard::Mode::kExclusive); }).join();
  GateGuard none(nullptr, GateGuard::Mode::kExclusive);  // no gate: holds nothing
  EXPECT_FALSE(gate.HeldByThisThread());
}

TEST(ExclusiveGateTest, WriterWaitsForReaders) {
  ExclusiveGate gate;
  std::atomic<bool> reader_in{false}, release{false}, writer_in{false};
  std::thread reader([&] {
    GateGuard g(&gate, GateGuard::Mode::kShared);
    reader_in.store(true);
    while (!release.load()) std::this_thread::yield();
    EXPECT_FALSE(writer_in.load());  // the writer cannot have entered while we are inside
  });
  while (!reader_in.load()) std::this_thread::yield();
  std::thread writer([&] {
    GateGuard g(&gate, GateGuard::Mode::kExclusive);
    writer_in.store(true);
  });
  while (!gate.exclusive()) std::this_thread::yield();  // the writer is waiting
  release.store(true);
  reader.join();
  writer.join();
  EXPECT_TRUE(writer_in.load());
}

}  // namespace
}  // namespace cairn
