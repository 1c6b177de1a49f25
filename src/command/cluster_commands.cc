// Cluster mode's commands: CLUSTER SLOTS / SHARDS / NODES / MYID / INFO / KEYSLOT /
// COUNTKEYSINSLOT / GETKEYSINSLOT / SETSLOT / HELP with Redis 7.0's reply shapes, READONLY /
// READWRITE (accepted: Cairn has no replicas), ASKING (the next command may use a slot being
// imported), and CAIRN.CLUSTER SETCONFIG / GETCONFIG, through which a control plane replaces the
// static map (cairn/cluster/topology.h), plus SETSLOTS / GETKEYSINRANGE, SETSLOT and
// GETKEYSINSLOT for a range of slots in one scan of the keyspace (scripts/cluster-move-slots.sh).
// Moving the keys themselves: migrate_commands.cc.
//
// Why CAIRN.CLUSTER and not Dragonfly's DFLYCLUSTER CONFIG: the model is the same (the control
// plane pushes one map to every node), but DFLYCLUSTER CONFIG takes Dragonfly's JSON schema;
// answering to that name with another format would mislead tools written for Dragonfly.
//
// With cluster-enabled no every command here answers "ERR This instance has cluster support
// disabled", as Redis does.
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/cluster/cluster_state.h"
#include "cairn/command/families.h"
#include "cairn/common/strings.h"
#include "spec_builder.h"

namespace cairn {
namespace {

using cluster::ClusterState;
using cluster::Node;
using cluster::Topology;

constexpr std::string_view kDisabled = "ERR This instance has cluster support disabled";

// The cluster state, or nullptr after replying that cluster mode is off.
ClusterState* Enabled(CommandContext& ctx) {
  if (ctx.cluster == nullptr) ctx.reply.Error(kDisabled);
  return ctx.cluster;
}

// The address a node is announced at. Single-node mode's node has none: cluster-announce-ip, or
// else the address this client connected to (as Dragonfly's emulated mode does).
std::string NodeHost(const CommandContext& ctx, const Node& node) {
  if (!node.host.empty()) return node.host;
  if (!ctx.cluster->announce_ip().empty()) return ctx.cluster->announce_ip();
  std::string_view laddr = ctx.client.laddr;
  laddr = laddr.substr(0, std::min(laddr.size(), laddr.rfind(':')));
  if (laddr.size() >= 2 && laddr.front() == '[' && laddr.back() == ']') {
    laddr = laddr.substr(1, laddr.size() - 2);
  }
  return std::string(laddr);
}

// Single-node mode's node has port 0 when the server was started with port 0 (the kernel's
// choice): the port it listens on.
uint16_t NodePort(const CommandContext& ctx, const Node& node) {
  return node.port != 0 ? node.port : ctx.server.port();
}

// A scan of the whole keyspace: `fn(key)` for each key of `slot`, each once
// (a scan may return a key twice when a shard grows meanwhile), until it returns false.
template <typename Fn>
void ForEachKeyInSlot(CacheManager& cache, uint16_t slot, Fn fn) {
  std::unordered_set<std::string> seen;
  bool more = true;
  uint64_t cursor = 0;
  do {
    cursor = cache.Scan(cursor, 1024, [&](const Entry& e) {
      if (!more || cluster::KeySlot(e.key()) != slot) return;
      if (seen.emplace(e.key()).second) more = fn(e.key());
    });
  } while (cursor != 0 && more);
}

// --- CLUSTER ---

void ClusterSlotsCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  const Topology& t = ctx.cluster->Current();
  struct Row {
    cluster::SlotRange range;
    const Node* node;
  };
  std::vector<Row> rows;
  for (const Node& node : t.nodes) {
    for (const cluster::SlotRange& r : node.ranges) rows.push_back({r, &node});
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.range.first < b.range.first; });
  ctx.reply.ArrayHeader(rows.size());
  for (const Row& row : rows) {
    ctx.reply.ArrayHeader(3);
    ctx.reply.Integer(row.range.first);
    ctx.reply.Integer(row.range.last);
    ctx.reply.ArrayHeader(4);  // ip, port, id, networking metadata (none)
    ctx.reply.Bulk(NodeHost(ctx, *row.node));
    ctx.reply.Integer(NodePort(ctx, *row.node));
    ctx.reply.Bulk(row.node->id);
    ctx.reply.MapHeader(0);
  }
}

void ClusterShardsCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  const Topology& t = ctx.cluster->Current();
  ctx.reply.ArrayHeader(t.nodes.size());  // one shard per node: Cairn has no replicas
  for (const Node& node : t.nodes) {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("slots");
    ctx.reply.ArrayHeader(node.ranges.size() * 2);
    for (const cluster::SlotRange& r : node.ranges) {
      ctx.reply.Integer(r.first);
      ctx.reply.Integer(r.last);
    }
    ctx.reply.Bulk("nodes");
    ctx.reply.ArrayHeader(1);
    ctx.reply.MapHeader(7);
    const std::string host = NodeHost(ctx, node);
    ctx.reply.Bulk("id");
    ctx.reply.Bulk(node.id);
    ctx.reply.Bulk("port");
    ctx.reply.Integer(NodePort(ctx, node));
    ctx.reply.Bulk("ip");
    ctx.reply.Bulk(host);
    ctx.reply.Bulk("endpoint");
    ctx.reply.Bulk(host);
    ctx.reply.Bulk("role");
    ctx.reply.Bulk("master");
    ctx.reply.Bulk("replication-offset");
    ctx.reply.Integer(0);
    ctx.reply.Bulk("health");
    ctx.reply.Bulk("online");
  }
}

// This node's slot moves in CLUSTER NODES' form: " [slot->-target]" and " [slot-<-source]".
void AppendMoves(const Topology& t, std::string& out) {
  for (uint32_t s = 0; s < cluster::kSlots; ++s) {
    const auto slot = static_cast<uint16_t>(s);
    if (t.Migrating(slot)) {
      out += " [" + std::to_string(s) + "->-" + t.nodes[t.migrating_to[slot]].id + "]";
    } else if (t.Importing(slot)) {
      out += " [" + std::to_string(s) + "-<-" + t.nodes[t.importing_from[slot]].id + "]";
    }
  }
}

// "<id> <ip>:<port>@<bus-port> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slots>".
// Cairn has no cluster bus: the bus port shown is the client port (as Dragonfly shows it).
void ClusterNodesCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  const Topology& t = ctx.cluster->Current();
  std::string out;
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    const Node& node = t.nodes[i];
    const std::string port = std::to_string(NodePort(ctx, node));
    out += node.id + " " + NodeHost(ctx, node) + ":" + port + "@" + port;
    out += static_cast<int>(i) == t.self ? " myself,master" : " master";
    out += " - 0 0 " + std::to_string(t.epoch) + " connected";
    if (!node.ranges.empty()) out += " " + cluster::FormatRanges(node.ranges);
    if (static_cast<int>(i) == t.self) AppendMoves(t, out);
    out.push_back('\n');
  }
  ctx.reply.Verbatim(out);
}

void ClusterInfoCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  const Topology& t = ctx.cluster->Current();
  const auto size = std::count_if(t.nodes.begin(), t.nodes.end(),
                                  [](const Node& n) { return !n.ranges.empty(); });
  const std::string epoch = std::to_string(t.epoch);
  std::string out =
      "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n";
  out += "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\n";
  out += "cluster_known_nodes:" + std::to_string(t.nodes.size()) + "\r\n";
  out += "cluster_size:" + std::to_string(size) + "\r\n";
  out += "cluster_current_epoch:" + epoch + "\r\ncluster_my_epoch:" + epoch + "\r\n";
  out += "cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n";
  out += "total_cluster_links_buffer_limit_exceeded:0\r\n";
  ctx.reply.Verbatim(out);
}

void ClusterMyIdCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  ctx.reply.Bulk(ctx.cluster->self_id());
}

void ClusterKeySlotCommand(CommandContext& ctx, Args args) {
  if (Enabled(ctx) == nullptr) return;
  ctx.reply.Integer(cluster::KeySlot(args[2]));
}

// O(keys): Cairn keeps no per-slot index (it would cost every write in every mode).
void ClusterCountKeysInSlotCommand(CommandContext& ctx, Args args) {
  if (Enabled(ctx) == nullptr) return;
  const auto slot = ParseInt64(args[2]);
  if (!slot) {
    ctx.reply.Error(replies::kNotInteger);
    return;
  }
  if (*slot < 0 || *slot >= cluster::kSlots) {
    ctx.reply.Error("ERR Invalid slot");
    return;
  }
  int64_t count = 0;
  ForEachKeyInSlot(ctx.cache, static_cast<uint16_t>(*slot), [&](std::string_view) {
    ++count;
    return true;
  });
  ctx.reply.Integer(count);
}

void ClusterGetKeysInSlotCommand(CommandContext& ctx, Args args) {
  if (Enabled(ctx) == nullptr) return;
  const auto slot = ParseInt64(args[2]);
  const auto max_keys = slot ? ParseInt64(args[3]) : std::nullopt;
  if (!slot || !max_keys) {
    ctx.reply.Error(replies::kNotInteger);
    return;
  }
  if (*slot < 0 || *slot >= cluster::kSlots || *max_keys < 0) {
    ctx.reply.Error("ERR Invalid slot or number of keys");
    return;
  }
  std::vector<std::string> keys;
  if (*max_keys > 0) {
    ForEachKeyInSlot(ctx.cache, static_cast<uint16_t>(*slot), [&](std::string_view key) {
      keys.emplace_back(key);
      return static_cast<int64_t>(keys.size()) < *max_keys;
    });
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& key : keys) ctx.reply.Bulk(key);
}

void ClusterHelpCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  static constexpr std::string_view kLines[] = {
      "COUNTKEYSINSLOT <slot>",
      "    Return the number of keys in <slot>.",
      "GETKEYSINSLOT <slot> <count>",
      "    Return key names stored by current node in a slot.",
      "INFO",
      "    Return information about the cluster.",
      "KEYSLOT <key>",
      "    Return the hash slot for <key>.",
      "MYID",
      "    Return the node id.",
      "NODES",
      "    Return cluster configuration seen by node. Output format:",
      "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
      "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
      "    Set slot state.",
      "SLOTS",
      "    Return information about slots range mappings. Each range is made of:",
      "    start, end, master and replicas IP addresses, ports and ids",
      "SHARDS",
      "    Return information about slot range mappings and the nodes associated with them.",
  };
  replies::Help(ctx.reply, "cluster", kLines);
}

// READONLY, READWRITE: accepted (no replicas to read from).
void ClusterFlagCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  ctx.reply.Ok();
}

// ASKING: the next command (or MULTI ... EXEC block) may use a slot this node is importing.
void AskingCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  ctx.client.asking = 2;  // the dispatcher counts it down after this command and the next
  ctx.reply.Ok();
}

// Saves the map in force to cluster-config-file, when there is one. Replies the error.
bool SaveMap(CommandContext& ctx, const Topology& map) {
  if (ctx.cluster->config_file().empty()) return true;
  if (std::string err = cluster::SaveTopologyFile(ctx.cluster->config_file(), map); !err.empty()) {
    ctx.reply.Error("ERR the map is in force but was not saved: " + err);
    return false;
  }
  return true;
}

// --- slot moves: CLUSTER SETSLOT, CAIRN.CLUSTER SETSLOTS / GETKEYSINRANGE ---

enum class SlotAction : uint8_t { kImporting, kMigrating, kStable, kNode, kNone };

// args[at]: IMPORTING <id> | MIGRATING <id> | STABLE | NODE <id>, ending the arguments.
SlotAction ParseSlotAction(Args args, size_t at) {
  if (args.size() == at + 1 && EqualsIgnoreCase(args[at], "stable")) return SlotAction::kStable;
  if (args.size() != at + 2) return SlotAction::kNone;
  if (EqualsIgnoreCase(args[at], "importing")) return SlotAction::kImporting;
  if (EqualsIgnoreCase(args[at], "migrating")) return SlotAction::kMigrating;
  if (EqualsIgnoreCase(args[at], "node")) return SlotAction::kNode;
  return SlotAction::kNone;
}

std::optional<uint16_t> ParseSlot(std::string_view arg) {
  const auto slot = ParseInt64(arg);
  if (!slot || *slot < 0 || *slot >= cluster::kSlots) return std::nullopt;
  return static_cast<uint16_t>(*slot);
}

// The first slot of [first, last] that this node owns and holds a key of, or -1: one scan of
// the keyspace, O(keys), stopping at the first such key.
int FirstOwnedSlotWithKeys(CacheManager& cache, const Topology& t, uint16_t first, uint16_t last) {
  int found = -1;
  uint64_t cursor = 0;
  do {
    cursor = cache.Scan(cursor, 1024, [&](const Entry& e) {
      const uint16_t slot = cluster::KeySlot(e.key());
      if (slot >= first && slot <= last && t.Owns(slot) && (found < 0 || slot < found)) {
        found = slot;
      }
    });
  } while (cursor != 0 && found < 0);
  return found;
}

// CLUSTER SETSLOT's action on every slot of [first, last], all or nothing (Redis 7.0's
// clusterCommandSetSlot, errors included, naming the first slot refused). Runs with the keyspace
// gate exclusive, so no command routed under the old state runs after it without being routed
// again (cluster_gate.h), and NODE's "no keys left" check cannot race a write. NODE changes this
// node's map only (as in Redis, the operator sends it to every node) and keeps the epoch, which
// belongs to the control plane's map pushes; the map is saved to cluster-config-file.
void SetSlots(CommandContext& ctx, uint16_t first, uint16_t last, SlotAction action,
              std::string_view id) {
  ClusterState& state = *ctx.cluster;
  int slot_with_keys = -1;  // NODE giving away a slot of ours that still has keys
  if (action == SlotAction::kNode) {
    const Topology& t = state.Current();
    const int node = t.FindNode(id);
    if (node >= 0 && node != t.self) {
      slot_with_keys = FirstOwnedSlotWithKeys(ctx.cache, t, first, last);
    }
  }
  bool changed_owner = false;
  std::string error = state.Update([&](Topology& t) -> std::string {
    const int node = action == SlotAction::kStable ? -1 : t.FindNode(id);
    for (uint32_t s = first; s <= last; ++s) {
      const auto slot = static_cast<uint16_t>(s);
      switch (action) {
        case SlotAction::kMigrating:
          if (!t.Owns(slot)) return "ERR I'm not the owner of hash slot " + std::to_string(s);
          if (node < 0) return "ERR I don't know about node " + std::string(id);
          if (node == t.self) return "ERR Target node is myself";
          t.migrating_to[slot] = static_cast<uint16_t>(node);
          break;
        case SlotAction::kImporting:
          if (t.Owns(slot)) return "ERR I'm already the owner of hash slot " + std::to_string(s);
          if (node < 0) return "ERR I don't know about node " + std::string(id);
          t.importing_from[slot] = static_cast<uint16_t>(node);
          break;
        case SlotAction::kStable:
          t.migrating_to[slot] = Topology::kNoOwner;
          t.importing_from[slot] = Topology::kNoOwner;
          break;
        case SlotAction::kNode:
          if (node < 0) return "ERR Unknown node " + std::string(id);
          if (slot_with_keys >= 0) {
            return "ERR Can't assign hashslot " + std::to_string(slot_with_keys) +
                   " to a different node while I still hold keys for this hash slot.";
          }
          changed_owner |= t.owner[slot] != node;
          t.owner[slot] = static_cast<uint16_t>(node);
          t.migrating_to[slot] = Topology::kNoOwner;
          if (node == t.self) t.importing_from[slot] = Topology::kNoOwner;
          break;
        case SlotAction::kNone:
          break;
      }
    }
    if (changed_owner) t.RebuildRanges();
    return {};
  });
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  if (changed_owner && !SaveMap(ctx, *state.Snapshot())) return;
  ctx.reply.Ok();
}

// CLUSTER SETSLOT <slot> IMPORTING <id> | MIGRATING <id> | STABLE | NODE <id>.
void ClusterSetSlotCommand(CommandContext& ctx, Args args) {
  if (Enabled(ctx) == nullptr) return;
  const auto slot = ParseSlot(args[2]);
  if (!slot) return ctx.reply.Error("ERR Invalid or out of range slot");
  const SlotAction action = ParseSlotAction(args, 3);
  if (action == SlotAction::kNone) {
    return ctx.reply.Error(
        "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  }
  SetSlots(ctx, *slot, *slot, action, action == SlotAction::kStable ? "" : args[4]);
}

// CAIRN.CLUSTER SETSLOTS <first> <last> <action>: SETSLOT for a range, in one step and one
// scan of the keyspace for NODE's check (SETSLOT per slot scans it once per slot).
void CairnClusterSetSlotsCommand(CommandContext& ctx, Args args) {
  if (Enabled(ctx) == nullptr) return;
  const auto first = ParseSlot(args[2]);
  const auto last = first ? ParseSlot(args[3]) : std::nullopt;
  if (!first || !last || *first > *last) return ctx.reply.Error("ERR Invalid or out of range slot");
  const SlotAction action = ParseSlotAction(args, 4);
  if (action == SlotAction::kNone) {
    return ctx.reply.Error(
        "ERR Invalid CAIRN.CLUSTER SETSLOTS action or number of arguments. Try CAIRN.CLUSTER "
        "HELP");
  }
  SetSlots(ctx, *first, *last, action, action == SlotAction::kStable ? "" : args[5]);
}

// CAIRN.CLUSTER GETKEYSINRANGE <first> <last> <count>: up to <count> of this node's keys whose
// slots are in [first, last] (GETKEYSINSLOT for a range: one scan, stopping at <count>).
void CairnClusterGetKeysInRangeCommand(CommandContext& ctx, Args args) {
  if (Enabled(ctx) == nullptr) return;
  const auto first = ParseSlot(args[2]);
  const auto last = first ? ParseSlot(args[3]) : std::nullopt;
  if (!first || !last || *first > *last) return ctx.reply.Error("ERR Invalid or out of range slot");
  const auto count = ParseInt64(args[4]);
  if (!count || *count < 0) return ctx.reply.Error("ERR Invalid number of keys");
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;  // a scan may visit a key twice
  uint64_t cursor = 0;
  while (static_cast<int64_t>(keys.size()) < *count) {
    cursor = ctx.cache.Scan(cursor, 1024, [&](const Entry& e) {
      if (static_cast<int64_t>(keys.size()) >= *count) return;
      const uint16_t slot = cluster::KeySlot(e.key());
      if (slot >= *first && slot <= *last && seen.emplace(e.key()).second) {
        keys.emplace_back(e.key());
      }
    });
    if (cursor == 0) break;
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& key : keys) ctx.reply.Bulk(key);
}

// --- CAIRN.CLUSTER ---

// After a map change, deletes the keys of the slots this node lost (their new owner serves them
// now: keys not moved first with MIGRATE are dropped) and of the slots it gained without
// importing them (it did not own them, so what it holds there is stale: a write that passed the
// gate under the old map while the new one was installed). Keeping either would serve stale
// values if the slots came back. Keys of a slot being imported (or just imported) stay: they
// arrived by MIGRATE. O(keys), once per map change that moves this node's slots.
void DropForeignKeys(CacheManager& cache, const Topology& before, const Topology& after) {
  auto moved = [&](uint16_t slot) { return before.Owns(slot) != after.Owns(slot); };
  auto keep = [&](uint16_t slot) {
    if (before.Importing(slot)) return after.Owns(slot) || after.Importing(slot);
    return after.Owns(slot) && !moved(slot);
  };
  bool any = false;
  for (uint32_t s = 0; s < cluster::kSlots && !any; ++s) any = moved(static_cast<uint16_t>(s));
  if (!any) return;
  std::vector<std::string> doomed;
  uint64_t cursor = 0;
  do {
    cursor = cache.Scan(cursor, 1024, [&](const Entry& e) {
      if (!keep(cluster::KeySlot(e.key()))) doomed.emplace_back(e.key());
    });
    for (const std::string& key : doomed) cache.Delete(key);
    doomed.clear();
  } while (cursor != 0);
}

void CairnClusterSetConfigCommand(CommandContext& ctx, Args args) {
  ClusterState* state = Enabled(ctx);
  if (state == nullptr) return;
  cluster::ParseResult parsed = cluster::ParseTopology(args[2]);
  if (!parsed.topology) {
    ctx.reply.Error("ERR invalid cluster map: " + parsed.error);
    return;
  }
  const std::shared_ptr<const Topology> before = state->Snapshot();
  const std::shared_ptr<const Topology> after = parsed.topology;
  if (std::string why = state->Install(std::move(parsed.topology)); !why.empty()) {
    ctx.reply.Error("ERR cluster map refused: " + why);
    return;
  }
  DropForeignKeys(ctx.cache, *before, *after);
  if (SaveMap(ctx, *after)) ctx.reply.Ok();
}

// The map in the file format. Single-node mode's node shows the address and port it announces,
// so that the text is a valid map to edit and push.
void CairnClusterGetConfigCommand(CommandContext& ctx, Args) {
  if (Enabled(ctx) == nullptr) return;
  Topology shown = ctx.cluster->Current();
  for (Node& node : shown.nodes) {
    node.host = NodeHost(ctx, node);
    node.port = NodePort(ctx, node);
  }
  ctx.reply.Bulk(cluster::FormatTopology(shown));
}

void CairnClusterHelpCommand(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "SETCONFIG <map>",
      "    Replace the cluster map (the cluster-config-file format) on this node.",
      "GETCONFIG",
      "    Return the cluster map in force.",
      "SETSLOTS <first> <last> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
      "    CLUSTER SETSLOT for every slot of the range, all or nothing.",
      "GETKEYSINRANGE <first> <last> <count>",
      "    Return up to <count> keys of this node whose slots are in the range.",
  };
  replies::Help(ctx.reply, "cairn.cluster", kLines);
}

}  // namespace

void RegisterClusterCommands(CommandTable& table) {
  constexpr uint32_t kLS = kCmdLoading | kCmdStale;
  constexpr uint32_t kAdm = kCmdAdmin | kCmdNoScript | kLS;
  constexpr SpecBuilder Spec("cluster", "3.0.0");
  CommandSpec c = Spec.Container("cluster", "A container for cluster commands");
  c.subcommands.push_back(
      Spec("slots", 2, kLS, &ClusterSlotsCommand, "Get array of Cluster slot to node mappings"));
  c.subcommands.push_back(Spec("shards", 2, kLS, &ClusterShardsCommand,
                               "Get array of cluster slots to node mappings", "7.0.0"));
  c.subcommands.push_back(
      Spec("nodes", 2, kLS, &ClusterNodesCommand, "Get Cluster config for the node"));
  c.subcommands.push_back(
      Spec("info", 2, kLS, &ClusterInfoCommand, "Provides info about Redis Cluster node state"));
  c.subcommands.push_back(Spec("myid", 2, kLS, &ClusterMyIdCommand, "Return the node id"));
  c.subcommands.push_back(Spec("keyslot", 3, kLS, &ClusterKeySlotCommand,
                               "Returns the hash slot of the specified key"));
  c.subcommands.push_back(Spec("countkeysinslot", 3, kLS, &ClusterCountKeysInSlotCommand,
                               "Return the number of local keys in the specified hash slot"));
  c.subcommands.push_back(Spec("getkeysinslot", 4, kLS, &ClusterGetKeysInSlotCommand,
                               "Return local key names in the specified hash slot"));
  c.subcommands.push_back(Spec("setslot", -4, kAdm | kCmdExclusive, &ClusterSetSlotCommand,
                               "Bind a hash slot to a specific node"));
  c.subcommands.push_back(Spec("help", 2, kLS, &ClusterHelpCommand,
                               "Show helpful text about the different subcommands", "5.0.0"));
  table.Register(std::move(c));
  table.Register(Spec("readonly", 1, kLS | kCmdFast, &ClusterFlagCommand,
                      "Enables read queries for a connection to a cluster replica node"));
  table.Register(Spec("readwrite", 1, kLS | kCmdFast, &ClusterFlagCommand,
                      "Disables read queries for a connection to a cluster replica node"));
  table.Register(Spec("asking", 1, kCmdFast, &AskingCommand,
                      "Sent by cluster clients after an -ASK redirect"));

  constexpr SpecBuilder Cairn("cluster", "1.0.0");
  CommandSpec admin = Cairn.Container("cairn.cluster", "Cairn's cluster map administration.");
  admin.subcommands.push_back(Cairn("setconfig", 3, kAdm, &CairnClusterSetConfigCommand,
                                    "Replaces this node's cluster map."));
  admin.subcommands.push_back(Cairn("getconfig", 2, kAdm, &CairnClusterGetConfigCommand,
                                    "Returns this node's cluster map."));
  admin.subcommands.push_back(Cairn("setslots", -6, kAdm | kCmdExclusive,
                                    &CairnClusterSetSlotsCommand,
                                    "CLUSTER SETSLOT for a range of slots, in one step."));
  admin.subcommands.push_back(Cairn("getkeysinrange", 5, kAdm, &CairnClusterGetKeysInRangeCommand,
                                    "Returns up to count keys of a range of slots."));
  admin.subcommands.push_back(Cairn("help", 2, kLS, &CairnClusterHelpCommand,
                                    "Returns helpful text about the different subcommands."));
  table.Register(std::move(admin));
}

}  // namespace cairn
