// Moving a slot: the routing decisions while it is MIGRATING here or IMPORTING here (Redis 7.0's
// getNodeByQuery: -ASK, -TRYAGAIN, ASKING), and ClusterState's SETSLOT edits and how a pushed
// map keeps the moves in progress.
#include <gtest/gtest.h>

#include "cairn/cluster/cluster_state.h"
#include "cairn/cluster/topology.h"

namespace cairn::cluster {
namespace {

constexpr std::string_view kMap = "epoch 4\nnode a h 7001 0-8191\nnode b h 7002 8192-16383\n";
constexpr uint16_t kSlotA = 100;   // a's
constexpr uint16_t kSlotB = 9000;  // b's

std::shared_ptr<Topology> Map(int self) {
  ParseResult r = ParseTopology(kMap);
  EXPECT_NE(r.topology, nullptr) << r.error;
  r.topology->self = self;
  return r.topology;
}

TEST(SlotMoveTest, AStableSlotIsDecidedByTheMapAlone) {
  auto t = Map(0);
  const std::string_view args[] = {"GET", "x"};
  // "x" hashes to 16287 (b's): MOVED without looking at the keys.
  EXPECT_EQ(RouteKeys(*t, args, 1, 1, 1).kind, RouteKind::kMoved);
  EXPECT_FALSE(t->Migrating(kSlotA));
  EXPECT_FALSE(t->Importing(kSlotB));
}

TEST(SlotMoveTest, AMovingSlotAsksForTheKeys) {
  auto source = Map(1);  // b, which owns x's slot (16287)
  source->migrating_to[KeySlot("x")] = 0;
  const std::string_view args[] = {"GET", "x"};
  // RouteKeys hands any moving slot to RouteMoving (kCheckKeys), owner filled in.
  const Route r = RouteKeys(*source, args, 1, 1, 1);
  EXPECT_EQ(r.kind, RouteKind::kCheckKeys);
  EXPECT_EQ(r.slot, KeySlot("x"));
  EXPECT_EQ(r.owner, 1);
  EXPECT_EQ(RouteMoving(*source, r.slot, 0, 1, false, false).owner, 0);  // ASK: to a
  // CROSSSLOT still comes first.
  const std::string_view cross[] = {"MGET", "x", "a1"};
  EXPECT_EQ(RouteKeys(*source, cross, 1, 2, 1).kind, RouteKind::kCrossSlot);
}

TEST(SlotMoveTest, SourceServesPresentKeysAndAsksForMissingOnes) {
  auto t = Map(0);
  t->migrating_to[kSlotA] = 1;
  EXPECT_EQ(RouteMoving(*t, kSlotA, 1, 0, false, false).kind, RouteKind::kServe);
  EXPECT_EQ(RouteMoving(*t, kSlotA, 3, 0, true, false).kind, RouteKind::kServe);
  const Route ask = RouteMoving(*t, kSlotA, 0, 1, false, false);
  EXPECT_EQ(ask.kind, RouteKind::kAsk);
  EXPECT_EQ(ask.slot, kSlotA);
  EXPECT_EQ(ask.owner, 1);  // the target, not the owner
  EXPECT_EQ(RouteMoving(*t, kSlotA, 0, 2, true, false).kind, RouteKind::kAsk);
  EXPECT_EQ(RouteMoving(*t, kSlotA, 1, 1, true, false).kind, RouteKind::kTryAgain);
  // ASKING changes nothing on the source.
  EXPECT_EQ(RouteMoving(*t, kSlotA, 0, 1, false, true).kind, RouteKind::kAsk);
}

TEST(SlotMoveTest, TargetServesOnlyAfterAsking) {
  auto t = Map(0);
  t->importing_from[kSlotB] = 1;
  const Route moved = RouteMoving(*t, kSlotB, 1, 0, false, false);
  EXPECT_EQ(moved.kind, RouteKind::kMoved);  // to the owner, b
  EXPECT_EQ(moved.owner, 1);
  EXPECT_EQ(RouteMoving(*t, kSlotB, 1, 0, false, true).kind, RouteKind::kServe);
  EXPECT_EQ(RouteMoving(*t, kSlotB, 0, 1, false, true).kind, RouteKind::kServe);  // a new key
  EXPECT_EQ(RouteMoving(*t, kSlotB, 2, 0, true, true).kind, RouteKind::kServe);
  EXPECT_EQ(RouteMoving(*t, kSlotB, 1, 1, true, true).kind, RouteKind::kTryAgain);
  // A slot neither ours nor being imported: MOVED, ASKING or not.
  t->importing_from[kSlotB] = Topology::kNoOwner;
  EXPECT_EQ(RouteMoving(*t, kSlotB, 0, 1, false, true).kind, RouteKind::kMoved);
}

TEST(SlotMoveTest, UpdateEditsACopyOrNothing) {
  ClusterState state("a", Map(-1), "", "");
  const auto before = state.Snapshot();
  EXPECT_EQ(state.Update([](Topology&) { return std::string("no"); }), "no");
  EXPECT_EQ(state.Snapshot(), before);
  EXPECT_EQ(state.Update([](Topology& t) {
    t.owner[kSlotB] = 0;
    t.RebuildRanges();
    return std::string();
  }),
            "");
  EXPECT_TRUE(state.Current().Owns(kSlotB));
  EXPECT_FALSE(before->Owns(kSlotB));  // the old map is untouched
  EXPECT_EQ(FormatRanges(state.Current().nodes[0].ranges), "0-8191 9000");
  EXPECT_EQ(FormatRanges(state.Current().nodes[1].ranges), "8192-8999 9001-16383");
  EXPECT_EQ(state.Current().epoch, 4u);
}

TEST(SlotMoveTest, APushedMapKeepsTheMovesItStillAllows) {
  ClusterState state("a", Map(-1), "", "");
  ASSERT_EQ(state.Update([](Topology& t) {
    t.migrating_to[kSlotA] = 1;
    t.migrating_to[kSlotA + 1] = 1;
    t.importing_from[kSlotB] = 1;
    t.importing_from[kSlotB + 1] = 1;
    return std::string();
  }),
            "");
  // The new map lists b first, gives slot kSlotA + 1 to b and kSlotB + 1 to a.
  ParseResult r = ParseTopology(
      "epoch 5\nnode b h 7002 101 8192-9000 9002-16383\nnode a h 7001 0-100 102-8191 9001\n");
  ASSERT_NE(r.topology, nullptr) << r.error;
  ASSERT_EQ(state.Install(std::move(r.topology)), "");
  const Topology& t = state.Current();
  EXPECT_EQ(t.self, 1);
  EXPECT_EQ(t.migrating_to[kSlotA], 0);   // still b, now index 0
  EXPECT_FALSE(t.Migrating(kSlotA + 1));  // no longer ours
  EXPECT_EQ(t.importing_from[kSlotB], 0);
  EXPECT_FALSE(t.Importing(kSlotB + 1));  // ours now
}

TEST(SlotMoveTest, AMapDroppingTheOtherNodeEndsItsMoves) {
  ClusterState state("a", Map(-1), "", "");
  ASSERT_EQ(state.Update([](Topology& t) {
    t.migrating_to[kSlotA] = 1;
    return std::string();
  }),
            "");
  ParseResult r = ParseTopology("epoch 5\nnode a h 7001 0-16383\nnode c h 7003\n");
  ASSERT_NE(r.topology, nullptr);
  ASSERT_EQ(state.Install(std::move(r.topology)), "");
  EXPECT_FALSE(state.Current().Migrating(kSlotA));
}

}  // namespace
}  // namespace cairn::cluster
