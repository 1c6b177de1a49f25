// Moving a slot through the real dispatcher: CLUSTER SETSLOT's states and errors, -ASK /
// -TRYAGAIN on the source, ASKING (one command only) and RESTORE-ASKING on the target, DUMP /
// RESTORE's checks, MIGRATE's argument errors, and a pushed map keeping the keys of a slot that
// was imported.
#include <memory>
#include <string>

#include "cairn/cluster/cluster_state.h"
#include "cairn/cluster/dump_payload.h"
#include "cluster_fixture.h"

namespace cairn::test {
namespace {

// A hash tag whose slot is in [lo, hi].
std::string TagIn(uint16_t lo, uint16_t hi) {
  for (int i = 0;; ++i) {
    const std::string tag = "t" + std::to_string(i);
    const uint16_t slot = cluster::KeySlot(tag);
    if (slot >= lo && slot <= hi) return tag;
  }
}

class SlotMigrationTest : public ClusterCommandTest {
 protected:
  const std::string mine_ = TagIn(5461, 10922);     // a slot of b's (this node)
  const std::string theirs_ = TagIn(10923, 16383);  // a slot of c's
  const std::string mine_slot_ = std::to_string(cluster::KeySlot(mine_));
  const std::string theirs_slot_ = std::to_string(cluster::KeySlot(theirs_));
};

TEST_F(SlotMigrationTest, SetSlotErrors) {
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", "16384", "STABLE"}),
            Err("ERR Invalid or out of range slot"));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", "x", "STABLE"}), Err("ERR Invalid or out of range slot"));
  const std::string bad =
      "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP";
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", "1", "STABLE", "x"}), Err(bad));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", "1", "MIGRATING"}), Err(bad));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", "1", "MOVE", "a"}), Err(bad));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", theirs_slot_, "MIGRATING", "a"}),
            Err("ERR I'm not the owner of hash slot " + theirs_slot_));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", mine_slot_, "MIGRATING", "zz"}),
            Err("ERR I don't know about node zz"));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", mine_slot_, "IMPORTING", "a"}),
            Err("ERR I'm already the owner of hash slot " + mine_slot_));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", theirs_slot_, "IMPORTING", "zz"}),
            Err("ERR I don't know about node zz"));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", "1", "NODE", "zz"}), Err("ERR Unknown node zz"));
  EXPECT_FALSE(state_->Current().Migrating(cluster::KeySlot(mine_)));
}

TEST_F(SlotMigrationTest, SourceAsksForKeysItNoLongerHas) {
  const std::string k1 = "{" + mine_ + "}1";
  const std::string k2 = "{" + mine_ + "}2";
  EXPECT_EQ(RunC({"SET", k1, "v"}), kOk);
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", mine_slot_, "MIGRATING", "c"}), kOk);
  EXPECT_NE(ParseWhole(RunC({"CLUSTER", "NODES"})).str.find(" [" + mine_slot_ + "->-c]"),
            std::string::npos);
  const std::string ask = Err("ASK " + mine_slot_ + " 127.0.0.1:7003");
  EXPECT_EQ(RunC({"GET", k1}), Bulk("v"));   // still here: served
  EXPECT_EQ(RunC({"GET", k2}), ask);         // gone (or never here): ASK the target
  EXPECT_EQ(RunC({"SET", k2, "new"}), ask);  // a new key is created on the target
  EXPECT_EQ(RunC({"MGET", k1, k2}), Err("TRYAGAIN Multiple keys request during rehashing of slot"));
  EXPECT_EQ(RunC({"DEL", k1}), Int(1));
  EXPECT_EQ(RunC({"MGET", k1, k2}), ask);
  // Other slots are not affected; STABLE ends the move.
  EXPECT_EQ(RunC({"GET", "a1"}), kNil);
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", mine_slot_, "STABLE"}), kOk);
  EXPECT_EQ(RunC({"GET", k2}), kNil);
}

TEST_F(SlotMigrationTest, TargetServesAnImportedSlotAfterAskingOnly) {
  const std::string k = "{" + theirs_ + "}k";
  const std::string moved = Err("MOVED " + theirs_slot_ + " 127.0.0.1:7003");
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", theirs_slot_, "IMPORTING", "c"}), kOk);
  EXPECT_EQ(RunC({"SET", k, "v"}), moved);
  EXPECT_EQ(RunC({"ASKING"}), kOk);
  EXPECT_EQ(RunC({"SET", k, "v"}), kOk);
  EXPECT_EQ(RunC({"GET", k}), moved);  // ASKING covered one command only
  EXPECT_EQ(RunC({"ASKING"}), kOk);
  EXPECT_EQ(RunC({"GET", k}), Bulk("v"));
  // A multi-key command that finds only some of its keys: TRYAGAIN, even after ASKING.
  EXPECT_EQ(RunC({"ASKING"}), kOk);
  EXPECT_EQ(RunC({"MGET", k, "{" + theirs_ + "}other"}),
            Err("TRYAGAIN Multiple keys request during rehashing of slot"));
  // RESTORE-ASKING (what MIGRATE sends) needs no ASKING.
  const std::string payload = cluster::EncodeDump("moved");
  EXPECT_EQ(RunC({"RESTORE-ASKING", "{" + theirs_ + "}r", "0", payload}), kOk);
  EXPECT_EQ(RunC({"RESTORE", "{" + theirs_ + "}s", "0", payload}), moved);
  // The slot is ours once NODE names us; the imported keys stay, a later map push keeps them.
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", theirs_slot_, "NODE", "b"}), kOk);
  EXPECT_EQ(RunC({"GET", "{" + theirs_ + "}r"}), Bulk("moved"));
  EXPECT_FALSE(state_->Current().Importing(cluster::KeySlot(theirs_)));
  const std::string map = cluster::FormatTopology(state_->Current());
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETCONFIG", map}), kOk);
  EXPECT_EQ(RunC({"GET", k}), Bulk("v"));
}

TEST_F(SlotMigrationTest, AMapPushWhileImportingKeepsTheImportedKeys) {
  const std::string k = "{" + theirs_ + "}k";
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", theirs_slot_, "IMPORTING", "c"}), kOk);
  EXPECT_EQ(RunC({"RESTORE-ASKING", k, "0", cluster::EncodeDump("v")}), kOk);
  Run({"SET", "123456789", "stale"});  // c's slot 12739, not imported: dropped by the push
  // The control plane gives the slot to b: the imported key is b's now.
  const std::string slot = theirs_slot_;
  const std::string map =
      "epoch 2\nnode a 127.0.0.1 7001 0-5460\nnode b 127.0.0.1 7002 5461-10922 " + slot +
      "\nnode c 127.0.0.1 7003 10923-" + std::to_string(std::stoi(slot) - 1) + " " +
      std::to_string(std::stoi(slot) + 1) + "-16383\n";
  ASSERT_NE(slot, "12739");
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETCONFIG", map}), kOk);
  EXPECT_EQ(RunC({"GET", k}), Bulk("v"));
  EXPECT_EQ(Run({"EXISTS", "123456789"}), Int(0));
}

TEST_F(SlotMigrationTest, NodeRefusesToGiveAwayASlotWithKeys) {
  const std::string k = "{" + mine_ + "}1";
  EXPECT_EQ(RunC({"SET", k, "v"}), kOk);
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", mine_slot_, "MIGRATING", "c"}), kOk);
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", mine_slot_, "NODE", "c"}),
            Err("ERR Can't assign hashslot " + mine_slot_ +
                " to a different node while I still hold keys for this hash slot."));
  EXPECT_EQ(RunC({"DEL", k}), Int(1));
  EXPECT_EQ(RunC({"CLUSTER", "SETSLOT", mine_slot_, "NODE", "c"}), kOk);
  EXPECT_EQ(RunC({"GET", k}), Err("MOVED " + mine_slot_ + " 127.0.0.1:7003"));
  EXPECT_FALSE(state_->Current().Migrating(cluster::KeySlot(mine_)));
}

TEST_F(SlotMigrationTest, RangeCommandsAreSetSlotAndGetKeysInSlotForARange) {
  // Slots 6000-6009 are b's; put three keys in 6000-6009 and one outside.
  std::vector<std::string> in_range;
  for (int i = 0; in_range.size() < 3; ++i) {
    const std::string key = "r" + std::to_string(i);
    const uint16_t slot = cluster::KeySlot(key);
    if (slot >= 6000 && slot <= 6009) in_range.push_back(key);
  }
  for (const std::string& key : in_range) EXPECT_EQ(RunC({"SET", key, "v"}), kOk);
  EXPECT_EQ(RunC({"SET", "a1", "v"}), kOk);  // slot 7785
  const Resp keys = ParseWhole(RunC({"CAIRN.CLUSTER", "GETKEYSINRANGE", "6000", "6009", "10"}));
  EXPECT_EQ(keys.items.size(), 3u);
  EXPECT_EQ(ParseWhole(RunC({"CAIRN.CLUSTER", "GETKEYSINRANGE", "6000", "6009", "2"})).items.size(),
            2u);
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "GETKEYSINRANGE", "6000", "6009", "0"}), "*0\r\n");
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "GETKEYSINRANGE", "9", "8", "1"}),
            Err("ERR Invalid or out of range slot"));
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "GETKEYSINRANGE", "0", "1", "-1"}),
            Err("ERR Invalid number of keys"));

  // All or nothing: 5000-6009 is partly a's, so MIGRATING is refused for the whole range.
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETSLOTS", "5000", "6009", "MIGRATING", "c"}),
            Err("ERR I'm not the owner of hash slot 5000"));
  EXPECT_FALSE(state_->Current().Migrating(6000));
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETSLOTS", "6000", "6009", "MIGRATING", "c"}), kOk);
  EXPECT_TRUE(state_->Current().Migrating(6000));
  EXPECT_TRUE(state_->Current().Migrating(6009));
  EXPECT_FALSE(state_->Current().Migrating(6010));
  const std::string refused = "ERR Can't assign hashslot " +
                              std::to_string(cluster::KeySlot(in_range[0])) +
                              " to a different node while I still hold keys for this hash slot.";
  for (const std::string& key : in_range) Run({"DEL", key});
  Run({"SET", in_range[0], "left behind"});
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETSLOTS", "6000", "6009", "NODE", "c"}), Err(refused));
  Run({"DEL", in_range[0]});
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETSLOTS", "6000", "6009", "NODE", "c"}), kOk);
  EXPECT_EQ(cluster::FormatRanges(state_->Current().nodes[1].ranges), "5461-5999 6010-10922");
  EXPECT_EQ(cluster::FormatRanges(state_->Current().nodes[2].ranges), "6000-6009 10923-16383");
  EXPECT_FALSE(state_->Current().Migrating(6000));
  EXPECT_EQ(RunC({"GET", "a1"}), Bulk("v"));
  EXPECT_EQ(RunC({"CAIRN.CLUSTER", "SETSLOTS", "1", "2", "STABLE", "x"}),
            Err("ERR Invalid CAIRN.CLUSTER SETSLOTS action or number of arguments. Try "
                "CAIRN.CLUSTER HELP"));
}

TEST_F(CommandTest, DumpAndRestore) {
  Run({"SET", "k", "hello"});
  Run({"PEXPIRE", "k", "5000"});
  const std::string dump = ParseWhole(Run({"DUMP", "k"})).str;
  EXPECT_EQ(dump, cluster::EncodeDump("hello"));
  EXPECT_EQ(Run({"DUMP", "nope"}), kNil);
  EXPECT_EQ(Run({"RESTORE", "k", "0", dump}), Err("BUSYKEY Target key name already exists."));
  EXPECT_EQ(Run({"RESTORE", "k2", "x", dump}), kNotInt);
  EXPECT_EQ(Run({"RESTORE", "k2", "-1", dump}), Err("ERR Invalid TTL value, must be >= 0"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", "garbage"}),
            Err("ERR DUMP payload version or checksum are wrong"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", dump, "NOPE"}), kSyntax);
  EXPECT_EQ(Run({"RESTORE", "k2", "0", dump, "IDLETIME", "-1"}),
            Err("ERR Invalid IDLETIME value, must be >= 0"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", dump, "FREQ", "256"}),
            Err("ERR Invalid FREQ value, must be >= 0 and <= 255"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", dump, "FREQ", "1", "IDLETIME", "1"}), kSyntax);
  EXPECT_EQ(Run({"EXISTS", "k2"}), Int(0));
  EXPECT_EQ(Run({"RESTORE", "k2", "2500", dump}), kOk);
  EXPECT_EQ(Run({"GET", "k2"}), Bulk("hello"));
  EXPECT_EQ(Run({"PTTL", "k2"}), Int(2500));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", cluster::EncodeDump("7"), "REPLACE"}), kOk);
  EXPECT_EQ(Run({"GET", "k2"}), Bulk("7"));
  EXPECT_EQ(Run({"PTTL", "k2"}), Int(-1));
  const std::string abs = std::to_string(kStartMs + 9000);
  EXPECT_EQ(Run({"RESTORE", "k3", abs, dump, "ABSTTL"}), kOk);
  EXPECT_EQ(Run({"PTTL", "k3"}), Int(9000));
  // An absolute expiry in the past creates nothing (and REPLACE deletes what was there).
  EXPECT_EQ(Run({"RESTORE", "k3", "1", dump, "ABSTTL", "REPLACE"}), kOk);
  EXPECT_EQ(Run({"EXISTS", "k3"}), Int(0));
  std::string corrupt = dump;
  corrupt[2] ^= 1;
  EXPECT_EQ(Run({"RESTORE", "k4", "0", corrupt}),
            Err("ERR DUMP payload version or checksum are wrong"));
}

TEST_F(CommandTest, MigrateArgumentErrors) {
  EXPECT_EQ(Run({"MIGRATE", "127.0.0.1", "1", "k", "0", "10", "KEYS", "a"}),
            Err("ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
                "string"));
  EXPECT_EQ(Run({"MIGRATE", "127.0.0.1", "1", "k", "0", "10", "AUTH"}), kSyntax);
  EXPECT_EQ(Run({"MIGRATE", "127.0.0.1", "1", "k", "0", "x"}), kNotInt);
  EXPECT_EQ(Run({"MIGRATE", "127.0.0.1", "1", "k", "0", "10"}), "+NOKEY\r\n");
  EXPECT_EQ(Run({"MIGRATE", "127.0.0.1", "1", "", "0", "10", "KEYS", "a", "b"}), "+NOKEY\r\n");
  // Port 1 on loopback refuses the connection: the key stays.
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"MIGRATE", "127.0.0.1", "1", "k", "0", "1000"}),
            Err("IOERR error or timeout writing to target instance"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
}

}  // namespace
}  // namespace cairn::test
