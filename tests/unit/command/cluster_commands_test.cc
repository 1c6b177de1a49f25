// Cluster mode through the real dispatcher: the gate's -MOVED / -CROSSSLOT (key positions from
// the command table), CLUSTER's replies, SELECT, INFO, and CAIRN.CLUSTER SETCONFIG (a bad map
// refused and the old one kept; keys of lost slots dropped). Without cluster mode every cluster
// command answers that cluster support is disabled.
#include <memory>

#include "cairn/cluster/cluster_state.h"
#include "cluster_fixture.h"

namespace cairn::test {
namespace {

// Node b (this one, cluster_fixture.h) owns 5461-10922; "foo{}{bar}" is in slot 8363,
// "123456789" in 12739 (c), "foo{hash_tag}" in 2515 (a).
using ClusterCommandsTest = ClusterCommandTest;

const std::string kCrossSlot = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";

TEST_F(ClusterCommandsTest, ServesOwnedKeysAndRedirectsOthers) {
  EXPECT_EQ(RunC({"SET", "foo{}{bar}", "1"}), kOk);
  EXPECT_EQ(RunC({"GET", "foo{}{bar}"}), Bulk("1"));
  EXPECT_EQ(RunC({"GET", "123456789"}), Err("MOVED 12739 127.0.0.1:7003"));
  EXPECT_EQ(RunC({"SET", "foo{hash_tag}", "1"}), Err("MOVED 2515 127.0.0.1:7001"));
  EXPECT_EQ(RunC({"OBJECT", "ENCODING", "123456789"}), Err("MOVED 12739 127.0.0.1:7003"));
  EXPECT_EQ(RunC({"MGET", "foo{}{bar}", "123456789"}), kCrossSlot);
  EXPECT_EQ(RunC({"MSET", "123456789", "1", "foo{hash_tag}", "2"}), kCrossSlot);
  EXPECT_EQ(RunC({"MSET", "{user1}.a", "1", "{user1}.b", "2"}), kOk);  // one tag: slot 8106
  EXPECT_EQ(RunC({"DEL", "{user1}.a", "{user1}.b"}), Int(2));
  // Refused commands leave no trace in the keyspace.
  EXPECT_EQ(Run({"EXISTS", "123456789", "foo{hash_tag}"}), Int(0));
  // Keyless commands and arity errors are not routed.
  EXPECT_EQ(RunC({"PING"}), "+PONG\r\n");
  EXPECT_EQ(RunC({"GET"}), Arity("get"));
}

TEST_F(ClusterCommandsTest, ClusterReplies) {
  EXPECT_EQ(RunC({"CLUSTER", "MYID"}), Bulk("b"));
  EXPECT_EQ(RunC({"CLUSTER", "KEYSLOT", "123456789"}), Int(12739));
  const std::string node_a = "*4\r\n" + Bulk("127.0.0.1") + Int(7001) + Bulk("a") + "*0\r\n";
  const std::string node_b = "*4\r\n" + Bulk("127.0.0.1") + Int(7002) + Bulk("b") + "*0\r\n";
  const std::string node_c = "*4\r\n" + Bulk("127.0.0.1") + Int(7003) + Bulk("c") + "*0\r\n";
  EXPECT_EQ(RunC({"CLUSTER", "SLOTS"}),
            Arr({"*3\r\n" + Int(0) + Int(5460) + node_a, "*3\r\n" + Int(5461) + Int(10922) + node_b,
                 "*3\r\n" + Int(10923) + Int(16383) + node_c}));
  EXPECT_EQ(RunC({"CLUSTER", "NODES"}),
            Bulk("a 127.0.0.1:7001@7001 master - 0 0 1 connected 0-5460\n"
                 "b 127.0.0.1:7002@7002 myself,master - 0 0 1 connected 5461-10922\n"
                 "c 127.0.0.1:7003@7003 master - 0 0 1 connected 10923-16383\n"));
  Resp shards = ParseWhole(RunC({"CLUSTER", "SHARDS"}));
  ASSERT_EQ(shards.items.size(), 3u);
  EXPECT_EQ(shards.items[1].items[0].str, "slots");
  EXPECT_EQ(shards.items[1].items[1].items[0].num, 5461);
  EXPECT_EQ(shards.items[1].items[1].items[1].num, 10922);
  EXPECT_EQ(shards.items[1].items[3].items[0].items[1].str, "b");
  const std::string info = ParseWhole(RunC({"CLUSTER", "INFO"})).str;
  EXPECT_NE(info.find("cluster_state:ok\r\n"), std::string::npos);
  EXPECT_NE(info.find("cluster_known_nodes:3\r\ncluster_size:3\r\n"), std::string::npos);
  EXPECT_NE(info.find("cluster_current_epoch:1\r\n"), std::string::npos);
  EXPECT_EQ(RunC({"READONLY"}), kOk);
  EXPECT_EQ(RunC({"READWRITE"}), kOk);
  EXPECT_EQ(RunC({"ASKING"}), kOk);
  EXPECT_EQ(RunC({"SELECT", "0"}), kOk);
  EXPECT_EQ(RunC({"SELECT", "1"}), Err("ERR SELECT is not allowed in cluster mode"));
  EXPECT_NE(RunC({"INFO", "cluster"}).find("cluster_enabled:1"), std::string::npos);
  EXPECT_NE(RunC({"INFO", "server"}).find("redis_mode:cluster\r\n"), std::string::npos);
  EXPECT_NE(Run({"INFO", "server"}).find("redis_mode:standalone\r\n"), std::string::npos);
}

TEST_F(ClusterCommandsTest, KeysInSlot) {
  for (const char* key : {"{user1}.a", "foo{}{bar}"}) Run({"SET", key, "v"});
  EXPECT_EQ(RunC({"CLUSTER", "COUNTKEYSINSLOT", "8363"}), Int(1));
  EXPECT_EQ(RunC({"CLUSTER", "GETKEYSINSLOT", "8363", "10"}), Arr({Bulk("foo{}{bar}")}));
  EXPECT_EQ(RunC({"CLUSTER", "GETKEYSINSLOT", "8363", "0"}), "*0\r\n");
  EXPECT_EQ(RunC({"CLUSTER", "COUNTKEYSINSLOT", "16384"}), Err("ERR Invalid slot"));
  EXPECT_EQ(RunC({"CLUSTER", "COUNTKEYSINSLOT", "x"}), kNotInt);
  EXPECT_EQ(RunC({"CLUSTER", "GETKEYSINSLOT", "1", "-1"}),
            Err("ERR Invalid slot or number of keys"));
}

TEST_F(ClusterCommandsTest, SetConfigReplacesTheMapOrKeepsTheOld) {
  Run({"SET", "foo{}{bar}", "v"});  // slot 8363, ours
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETCONFIG", "node a 127.0.0.1 7001 0-16383\n"}),
            Err("ERR cluster map refused: the map does not name this node (b): list it, with no "
                "slots if it is being drained"));
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETCONFIG", "node b 127.0.0.1 7002 0-100\n"}),
            Err("ERR invalid cluster map: slots 101-16383 are owned by no node (every slot "
                "0-16383 needs an owner)"));
  EXPECT_EQ(RunC({"GET", "foo{}{bar}"}), Bulk("v"));  // the old map is in force
  // Give slot 8363 to c: b drops its keys and redirects.
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETCONFIG",
                  "epoch 2\nnode a 127.0.0.1 7001 0-5460\nnode b 127.0.0.1 7002 5461-8000\n"
                  "node c 127.0.0.1 7003 8001-16383\n"}),
            kOk);
  EXPECT_EQ(RunC({"GET", "foo{}{bar}"}), Err("MOVED 8363 127.0.0.1:7003"));
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  // A key of a slot b gains (written past the gate: a race with the install) is stale: dropped.
  Run({"SET", "123456789", "stale"});  // slot 12739, c's
  Run({"SET", "a1", "kept"});          // slot 7785, b's before and after
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETCONFIG",
                  "epoch 3\nnode a 127.0.0.1 7001 0-5460\nnode b 127.0.0.1 7002 5461-8000 "
                  "12000-13000\nnode c 127.0.0.1 7003 8001-11999 13001-16383\n"}),
            kOk);
  EXPECT_EQ(RunC({"GET", "123456789"}), kNil);
  EXPECT_EQ(RunC({"GET", "a1"}), Bulk("kept"));
  ASSERT_EQ(RunC({"CAIRN.CLUSTER", "SETCONFIG",
                  "epoch 2\nnode a 127.0.0.1 7001 0-5460\nnode b 127.0.0.1 7002 5461-8000\n"
                  "node c 127.0.0.1 7003 8001-16383\n"}),
            Err("ERR cluster map refused: the map's epoch 2 is older than the current 3"));
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETCONFIG",
                  "epoch 3\nnode a 127.0.0.1 7001 0-5460\nnode b 127.0.0.1 7002 5461-8000\n"
                  "node c 127.0.0.1 7003 8001-16383\n"}),
            kOk);
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "GETCONFIG"}),
            Bulk("epoch 3\nnode a 127.0.0.1 7001 0-5460\nnode b 127.0.0.1 7002 5461-8000\n"
                 "node c 127.0.0.1 7003 8001-16383\n"));
}

TEST_F(CommandTest, ClusterCommandsWithoutClusterMode) {
  const std::string disabled = Err("ERR This instance has cluster support disabled");
  EXPECT_EQ(Run({"CLUSTER", "INFO"}), disabled);
  EXPECT_EQ(Run({"CLUSTER", "KEYSLOT", "a"}), disabled);
  EXPECT_EQ(Run({"READONLY"}), disabled);
  EXPECT_EQ(Run({"ASKING"}), disabled);
  EXPECT_EQ(Run({"CAIRN.CLUSTER", "GETCONFIG"}), disabled);
  EXPECT_EQ(Run({"CLUSTER", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try CLUSTER HELP."));
  EXPECT_EQ(Run({"SELECT", "1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MGET", "123456789", "foo{hash_tag}"}), "*2\r\n$-1\r\n$-1\r\n");
}

}  // namespace
}  // namespace cairn::test
