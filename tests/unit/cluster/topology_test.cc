// The cluster map's parser (bad maps refused with the line and the reason) and the routing
// decision behind -MOVED and -CROSSSLOT.
#include "cairn/cluster/topology.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace cairn::cluster {
namespace {

constexpr std::string_view kThree =
    "# three nodes\n"
    "epoch 7\n"
    "node a 127.0.0.1 7001 0-5460\n"
    "node b 127.0.0.1 7002 5461-10922   # comment\n"
    "node c 127.0.0.1 7003 10923-16383\r\n";

std::string ErrorOf(std::string_view text) {
  ParseResult r = ParseTopology(text);
  EXPECT_EQ(r.topology, nullptr) << text;
  return r.error;
}

TEST(TopologyTest, ParsesAMap) {
  ParseResult r = ParseTopology(kThree);
  ASSERT_NE(r.topology, nullptr) << r.error;
  const Topology& t = *r.topology;
  EXPECT_EQ(t.epoch, 7u);
  ASSERT_EQ(t.nodes.size(), 3u);
  EXPECT_EQ(t.nodes[1].id, "b");
  EXPECT_EQ(t.nodes[1].host, "127.0.0.1");
  EXPECT_EQ(t.nodes[1].port, 7002);
  EXPECT_EQ(t.nodes[1].endpoint, "127.0.0.1:7002");
  EXPECT_EQ(t.nodes[2].ranges, (std::vector<SlotRange>{{10923, 16383}}));
  EXPECT_EQ(t.owner[0], 0);
  EXPECT_EQ(t.owner[5461], 1);
  EXPECT_EQ(t.owner[16383], 2);
  EXPECT_EQ(t.FindNode("c"), 2);
  EXPECT_EQ(t.FindNode("d"), -1);
  EXPECT_EQ(t.self, -1);  // ClusterState sets it
}

TEST(TopologyTest, MergesAndSortsRangesAndAllowsSlotlessNodes) {
  ParseResult r = ParseTopology(
      "node a h1 1 100-200 0-99 16000\nnode b h2 1 201-15999 16001-16383\nnode idle h3 1\n");
  ASSERT_NE(r.topology, nullptr) << r.error;
  EXPECT_EQ(r.topology->nodes[0].ranges, (std::vector<SlotRange>{{0, 200}, {16000, 16000}}));
  EXPECT_TRUE(r.topology->nodes[2].ranges.empty());
  EXPECT_EQ(FormatRanges(r.topology->nodes[0].ranges), "0-200 16000");
}

TEST(TopologyTest, FormatReadsBackAsTheSameMap) {
  ParseResult r = ParseTopology(kThree);
  ASSERT_NE(r.topology, nullptr);
  const std::string text = FormatTopology(*r.topology);
  EXPECT_EQ(text,
            "epoch 7\nnode a 127.0.0.1 7001 0-5460\nnode b 127.0.0.1 7002 5461-10922\n"
            "node c 127.0.0.1 7003 10923-16383\n");
  ParseResult again = ParseTopology(text);
  ASSERT_NE(again.topology, nullptr);
  EXPECT_EQ(again.topology->owner, r.topology->owner);
}

TEST(TopologyTest, RefusesBadMaps) {
  EXPECT_EQ(ErrorOf("node a h 1 0-100\nnode b h2 1 100-16383\n"),
            "line 2: slot 100 is owned by both a and b");
  EXPECT_EQ(ErrorOf("node a h 1 0-5 5\n"), "line 1: slot 5 is owned by both a and a");
  EXPECT_EQ(ErrorOf("node a h 1 0-100\nnode b h2 1 200-16383\n"),
            "slots 101-199 are owned by no node (every slot 0-16383 needs an owner)");
  EXPECT_EQ(ErrorOf("node a h 1 0-16383\nnode a h2 1\n"), "line 2: node a is listed twice");
  EXPECT_EQ(ErrorOf("node a h 1 0-16383\nnode b h 1\n"),
            "line 2: nodes a and b have the same address h:1");
  EXPECT_EQ(ErrorOf("node a h 0 0-16383\n"), "line 1: invalid port (1 to 65535)");
  EXPECT_EQ(ErrorOf("node a h 65536 0-16383\n"), "line 1: invalid port (1 to 65535)");
  EXPECT_EQ(ErrorOf("node a h 1 0-16384\n"),
            "line 1: invalid slot range '0-16384' (slots are 0 to 16383)");
  EXPECT_EQ(ErrorOf("node a h 1 10-5\n"),
            "line 1: invalid slot range '10-5' (slots are 0 to 16383)");
  EXPECT_EQ(ErrorOf("node a h 1 -5\n"), "line 1: invalid slot range '-5' (slots are 0 to 16383)");
  EXPECT_EQ(ErrorOf("node a h\n"),
            "line 1: expected 'node <id> <host> <port> [<slot>|<first>-<last> ...]'");
  EXPECT_EQ(ErrorOf("node a/b h 1 0-16383\n"),
            "line 1: invalid node id (1 to 40 letters, digits, '-' or '_')");
  EXPECT_EQ(ErrorOf("node " + std::string(41, 'a') + " h 1 0-16383\n"),
            "line 1: invalid node id (1 to 40 letters, digits, '-' or '_')");
  EXPECT_EQ(ErrorOf("node a h\"x 1 0-16383\n"), "line 1: invalid host");
  EXPECT_EQ(ErrorOf("nodes a h 1 0-16383\n"),
            "line 1: unknown statement 'nodes' (expected 'node' or 'epoch')");
  EXPECT_EQ(ErrorOf("epoch -1\nnode a h 1 0-16383\n"),
            "line 1: expected 'epoch <non-negative integer>'");
  EXPECT_EQ(ErrorOf("epoch 1\nepoch 2\n"), "line 2: epoch given twice");
  EXPECT_EQ(ErrorOf(""), "the map names no node");
  EXPECT_EQ(ErrorOf("# nothing\n\n"), "the map names no node");
  EXPECT_EQ(ErrorOf(std::string(kMaxTopologyBytes + 1, ' ')),
            "the map is larger than 1048576 bytes");
}

TEST(TopologyTest, BoundsTheNodeCount) {
  std::string text = "node n0 h 1 0-16383\n";
  for (size_t i = 1; i <= kMaxNodes; ++i) {
    text += "node n" + std::to_string(i) + " h " + std::to_string(i + 1) + "\n";
  }
  EXPECT_EQ(ErrorOf(text), "line 1001: more than 1000 nodes");
}

class RouteTest : public ::testing::Test {
 protected:
  RouteTest() {
    topology_ = ParseTopology(kThree).topology;
    topology_->self = 1;  // b: 5461-10922
  }
  // Keys at first, first + step ... up to `last` (-1: the last argument), as the command
  // layer's CommandKeys gives them.
  Route RouteOf(std::vector<std::string_view> args, int first, int last, int step) {
    const auto argc = static_cast<int>(args.size());
    const int end = std::min(last < 0 ? argc + last : last, argc - 1);
    step = std::max(step, 1);
    const size_t count =
        first > 0 && end >= first ? static_cast<size_t>((end - first) / step + 1) : 0;
    return RouteKeys(*topology_, args, static_cast<size_t>(first), count,
                     static_cast<size_t>(step));
  }
  Route RouteOf2(std::vector<std::string_view> args, int slot_so_far) {
    return RouteKeys(*topology_, args, 1, 1, 1, slot_so_far);
  }
  std::shared_ptr<Topology> topology_;
};

TEST_F(RouteTest, MovesToTheOwner) {
  Route r = RouteOf({"GET", "123456789"}, 1, 1, 1);  // slot 12739: node c
  EXPECT_EQ(r.kind, RouteKind::kMoved);
  EXPECT_EQ(r.slot, 12739);
  EXPECT_EQ(r.owner, 2);
  EXPECT_EQ(RouteOf({"GET", "somekey"}, 1, 1, 1).owner, 2);                    // slot 11058
  EXPECT_EQ(RouteOf({"GET", "foo{hash_tag}"}, 1, 1, 1).owner, 0);              // slot 2515
  EXPECT_EQ(RouteOf({"GET", "foo{}{bar}"}, 1, 1, 1).kind, RouteKind::kServe);  // 8363: b
}

TEST_F(RouteTest, Decisions) {
  // Find a key this node (b) owns and one of each other node, by slot.
  std::string mine;
  std::string other;
  for (int i = 0; mine.empty() || other.empty(); ++i) {
    std::string k = "k" + std::to_string(i);
    (topology_->owner[KeySlot(k)] == 1 ? mine : other) = k;
  }
  EXPECT_EQ(RouteOf({"GET", mine}, 1, 1, 1).kind, RouteKind::kServe);
  EXPECT_EQ(RouteOf({"GET", other}, 1, 1, 1).kind, RouteKind::kMoved);
  // Multi-key: CROSSSLOT before MOVED, whatever the owners.
  EXPECT_EQ(RouteOf({"MGET", mine, other}, 1, -1, 1).kind, RouteKind::kCrossSlot);
  EXPECT_EQ(RouteOf({"MGET", other, mine}, 1, -1, 1).kind, RouteKind::kCrossSlot);
  // Hash tags put keys together.
  const std::string t1 = "{" + mine + "}.1";
  const std::string t2 = "{" + mine + "}.2";
  EXPECT_EQ(RouteOf({"MGET", t1, t2, mine}, 1, -1, 1).kind, RouteKind::kServe);
  const std::string o1 = "{" + other + "}.1";
  Route moved = RouteOf({"DEL", o1, other}, 1, -1, 1);
  EXPECT_EQ(moved.kind, RouteKind::kMoved);
  EXPECT_EQ(moved.slot, KeySlot(other));
  // Key/value pairs: only the keys count (step 2).
  EXPECT_EQ(RouteOf({"MSET", mine, other, t1, other}, 1, -1, 2).kind, RouteKind::kServe);
  EXPECT_EQ(RouteOf({"MSET", mine, "v", other, "v"}, 1, -1, 2).kind, RouteKind::kCrossSlot);
  // OBJECT ENCODING-like positions (first key 2), and no key at all.
  EXPECT_EQ(RouteOf({"OBJECT", "ENCODING", other}, 2, 2, 1).kind, RouteKind::kMoved);
  EXPECT_EQ(RouteOf({"PING"}, 0, 0, 0).kind, RouteKind::kServe);
  // A short argument list (arity is checked elsewhere) is not read past its end.
  EXPECT_EQ(RouteOf({"RENAME", mine}, 1, 2, 1).kind, RouteKind::kServe);
}

TEST_F(RouteTest, TransactionsStayInOneSlot) {
  const int slot = KeySlot("foo{}{bar}");  // 8363: b's
  EXPECT_EQ(RouteOf2({"GET", "foo{}{bar}"}, slot).kind, RouteKind::kServe);
  EXPECT_EQ(RouteOf2({"GET", "a1"}, slot).kind, RouteKind::kCrossSlot);  // 7785, also b's
  Route moved = RouteOf2({"GET", "123456789"}, -1);
  EXPECT_EQ(moved.kind, RouteKind::kMoved);
  EXPECT_EQ(RouteOf2({"GET", "123456789"}, 12739).kind, RouteKind::kMoved);
}

TEST(SingleNodeTopologyTest, OwnsEverySlot) {
  auto t = SingleNodeTopology("me", "", 6379);
  EXPECT_EQ(t->self, 0);
  EXPECT_TRUE(t->Owns(0));
  EXPECT_TRUE(t->Owns(16383));
  EXPECT_EQ(FormatRanges(t->nodes[0].ranges), "0-16383");
}

}  // namespace
}  // namespace cairn::cluster
