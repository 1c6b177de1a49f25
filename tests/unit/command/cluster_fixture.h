// Cluster mode through the real dispatcher: this node is b of a three-node map (a: 0-5460,
// b: 5461-10922, c: 10923-16383); RunC runs a command on the cluster-mode dispatcher.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/cluster/cluster_state.h"
#include "command_fixture.h"

namespace cairn::test {

inline constexpr std::string_view kThreeNodeMap =
    "epoch 1\n"
    "node a 127.0.0.1 7001 0-5460\n"
    "node b 127.0.0.1 7002 5461-10922\n"
    "node c 127.0.0.1 7003 10923-16383\n";

class ClusterCommandTest : public CommandTest {
 protected:
  ClusterCommandTest() {
    state_ = std::make_unique<cluster::ClusterState>(
        "b", cluster::ParseTopology(kThreeNodeMap).topology, "", "");
    cluster_dispatcher_ = std::make_unique<Dispatcher>(table_, state_.get());
    client_.laddr = "127.0.0.1:7002";
  }
  std::string RunC(std::initializer_list<std::string_view> args) {
    std::string out;
    ReplyBuilder reply(out);
    CommandContext ctx{*cache_, server_, client_, reply};
    cluster_dispatcher_->Execute(ctx, std::vector<std::string_view>(args));
    return out;
  }

  std::unique_ptr<cluster::ClusterState> state_;
  std::unique_ptr<Dispatcher> cluster_dispatcher_;
};

}  // namespace cairn::test
