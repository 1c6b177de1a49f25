// ClusterState: a refused map leaves the old one in force; each thread sees a new map on its next
// Current(); the map file's load / save; finding this node in the map.
#include "cairn/cluster/cluster_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

namespace cairn::cluster {
namespace {

std::shared_ptr<Topology> Parse(std::string_view text) {
  ParseResult r = ParseTopology(text);
  EXPECT_NE(r.topology, nullptr) << r.error;
  return r.topology;
}

constexpr std::string_view kTwo = "epoch 2\nnode a h 7001 0-8191\nnode b h 7002 8192-16383\n";
constexpr std::string_view kOne = "epoch 3\nnode a h 7001 0-16383\nnode b h 7002\n";

TEST(ClusterStateTest, InstallsAMapNamingThisNode) {
  ClusterState state("a", Parse(kTwo), "", "");
  EXPECT_EQ(state.Current().self, 0);
  EXPECT_FALSE(state.Current().Owns(9000));
  EXPECT_EQ(state.Install(Parse(kOne)), "");
  EXPECT_TRUE(state.Current().Owns(9000));
  EXPECT_EQ(state.Current().epoch, 3u);
}

TEST(ClusterStateTest, RefusedMapsKeepTheOldOne) {
  ClusterState state("b", Parse(kTwo), "", "");
  EXPECT_EQ(state.Install(Parse("node a h 7001 0-16383\nnode c h 7003\n")),
            "the map does not name this node (b): list it, with no slots if it is being drained");
  EXPECT_EQ(state.Install(Parse("epoch 1\nnode a h 7001 0-16383\nnode b h 7002\n")),
            "the map's epoch 1 is older than the current 2");
  EXPECT_TRUE(state.Current().Owns(9000));
  EXPECT_EQ(state.Current().epoch, 2u);
  EXPECT_EQ(state.Current().self, 1);
}

TEST(ClusterStateTest, OtherThreadsSeeTheNewMap) {
  ClusterState state("a", Parse(kTwo), "", "");
  bool before = true;
  std::thread([&] { before = state.Current().Owns(9000); }).join();
  EXPECT_FALSE(before);
  ASSERT_EQ(state.Install(Parse(kOne)), "");
  bool after = false;
  std::thread([&] { after = state.Current().Owns(9000); }).join();
  EXPECT_TRUE(after);
  // A snapshot outlives later installs.
  std::shared_ptr<const Topology> snap = state.Snapshot();
  ASSERT_EQ(state.Install(Parse("epoch 4\nnode a h 7001\nnode b h 7002 0-16383\n")), "");
  EXPECT_EQ(snap->epoch, 3u);
  EXPECT_FALSE(state.Current().Owns(0));
}

TEST(ClusterStateTest, SavesAndLoadsTheFile) {
  const std::string path = ::testing::TempDir() + "cairn_cluster_" + std::to_string(getpid());
  ASSERT_EQ(SaveTopologyFile(path, *Parse(kTwo)), "");
  std::shared_ptr<Topology> loaded;
  ASSERT_EQ(LoadTopologyFile(path, loaded), "");
  EXPECT_EQ(FormatTopology(*loaded), FormatTopology(*Parse(kTwo)));
  std::ofstream(path) << "node a h 7001 0-100\n";
  EXPECT_EQ(LoadTopologyFile(path, loaded),
            "cluster config file '" + path +
                "': slots 101-16383 are owned by no node (every slot 0-16383 needs an owner)");
  std::remove(path.c_str());
  EXPECT_EQ(LoadTopologyFile(path, loaded), "cannot open the cluster config file '" + path + "'");
}

TEST(ClusterStateTest, ResolvesThisNode) {
  auto t = Parse("node a h1 7001 0-100\nnode b h2 7002 101-16383\nnode c h3 7002\n");
  std::string error;
  EXPECT_EQ(ResolveSelf(*t, "", 7001, error), 0);
  EXPECT_EQ(ResolveSelf(*t, "c", 7001, error), 2);
  EXPECT_EQ(ResolveSelf(*t, "", 7002, error), -1);
  EXPECT_EQ(error, "several nodes of the cluster map have port 7002: set cluster-node-id");
  EXPECT_EQ(ResolveSelf(*t, "", 7003, error), -1);
  EXPECT_EQ(error, "no node of the cluster map has port 7003: set cluster-node-id");
  EXPECT_EQ(ResolveSelf(*t, "zz", 7001, error), -1);
  EXPECT_EQ(error, "cluster-node-id zz is not in the cluster map");
}

TEST(ClusterStateTest, SingleNodeModeWithoutAFile) {
  std::string error;
  auto state = OpenClusterState("", "", "", 6379, error);
  ASSERT_NE(state, nullptr) << error;
  EXPECT_EQ(state->self_id().size(), 40u);
  EXPECT_TRUE(state->Current().Owns(0));
  EXPECT_TRUE(state->Current().Owns(16383));
  auto named = OpenClusterState("", "me", "10.0.0.1", 6379, error);
  ASSERT_NE(named, nullptr);
  EXPECT_EQ(named->self_id(), "me");
  EXPECT_EQ(named->announce_ip(), "10.0.0.1");
  EXPECT_EQ(OpenClusterState("/nonexistent/cairn.map", "", "", 6379, error), nullptr);
  EXPECT_EQ(error, "cannot open the cluster config file '/nonexistent/cairn.map'");
}

}  // namespace
}  // namespace cairn::cluster
