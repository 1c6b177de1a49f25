// The cluster map: which node (id, address, port) owns which of the 16384 hash slots. Cairn has
// no gossip of its own: the map is static, read from `cluster-config-file` at startup and
// replaced as a whole by CAIRN.CLUSTER SETCONFIG, which a control plane (scripts/cluster-push.sh,
// an operator) sends to every node (Dragonfly's DFLYCLUSTER CONFIG model).
//
// The file format (also CAIRN.CLUSTER SETCONFIG's argument), one statement per line, '#' starts
// a comment:
//
//   epoch 3                                                  (optional, default 0)
//   node <id> <host> <port> [<slot>|<first>-<last> ...]
//
//   node 8f3c...01 10.0.0.1 6379 0-5460
//   node 8f3c...02 10.0.0.2 6379 5461-10922
//   node 8f3c...03 10.0.0.3 6379 10923-16383
//
// id: 1 to 40 letters, digits, '-' or '_' (Redis's are 40 hex digits), unique. host: an address
// or name the clients can reach (what CLUSTER SLOTS and -MOVED announce). Every slot must be
// owned by exactly one node; a node may own none (it is being drained). A map that breaks any
// rule is refused whole, with the line and the reason, and the previous map stays in force.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/cluster/key_slot.h"

namespace cairn::cluster {

inline constexpr size_t kMaxNodes = 1000;                 // Redis's recommended cluster size
inline constexpr size_t kMaxTopologyBytes = 1024 * 1024;  // a full map is a few KB
inline constexpr size_t kMaxNodeIdLength = 40;

struct SlotRange {
  uint16_t first = 0;
  uint16_t last = 0;  // inclusive
  bool operator==(const SlotRange&) const = default;
};

struct Node {
  std::string id;
  std::string host;  // empty: the address the client connected to (single-node mode)
  uint16_t port = 0;
  std::vector<SlotRange> ranges;  // ascending, not adjacent (merged)
  std::string endpoint;           // "host:port": the -MOVED target
};

struct Topology {
  static constexpr uint16_t kNoOwner = 0xffff;
  using SlotNodes = std::array<uint16_t, kSlots>;
  static SlotNodes NoNodes() {
    SlotNodes a;
    a.fill(kNoOwner);
    return a;
  }

  uint64_t epoch = 0;
  std::vector<Node> nodes;  // in file order
  SlotNodes owner{};        // node index per slot
  int self = -1;            // this node's index (set by ClusterState)
  // This node's slot moves in progress (CLUSTER SETSLOT): node-local state, not part of the map
  // file, carried over by ClusterState::Install. migrating_to[s]: s is ours and its keys are
  // being moved to that node; importing_from[s]: s is another node's and its keys are arriving
  // here from that node. kNoOwner: none.
  SlotNodes migrating_to = NoNodes();
  SlotNodes importing_from = NoNodes();

  // Index of the node with this id, or -1.
  int FindNode(std::string_view id) const;
  bool Owns(uint16_t slot) const { return self >= 0 && owner[slot] == self; }
  bool Migrating(uint16_t slot) const { return migrating_to[slot] != kNoOwner; }
  bool Importing(uint16_t slot) const { return importing_from[slot] != kNoOwner; }
  // Recomputes every node's `ranges` from `owner` (after a slot changed hands).
  void RebuildRanges();
};

struct ParseResult {
  std::shared_ptr<Topology> topology;  // null on error
  std::string error;                   // "line 3: slot 100 is owned by both a and b"
};

// Parses and validates a map (the format above). Input is bounded by kMaxTopologyBytes and
// kMaxNodes; the work is linear in its size.
ParseResult ParseTopology(std::string_view text);

// A map that `ParseTopology` reads back as the same map (CAIRN.CLUSTER GETCONFIG, the file).
std::string FormatTopology(const Topology& topology);

// One node owning every slot: `cluster-enabled yes` without a file (Dragonfly's emulated mode).
std::shared_ptr<Topology> SingleNodeTopology(std::string id, std::string host, uint16_t port);

// "0-5460 5462" (CLUSTER NODES' slot column and the file's).
std::string FormatRanges(std::span<const SlotRange> ranges);

// Where a keyed command runs. Keys are args[first], args[first + step] ... up to args[last]
// (a negative `last` counts from the end: -1 is the last argument), as in the command table.
enum class RouteKind : uint8_t {
  kServe,      // every key hashes to one slot this node owns (or the command has no key)
  kMoved,      // one slot, owned by another node: -MOVED slot endpoint
  kCrossSlot,  // keys in different slots: -CROSSSLOT
  kAsk,        // the slot is migrating from here and a key is gone: -ASK slot endpoint
  kTryAgain,   // a multi-key command on a slot being moved finds only some of its keys
  kCheckKeys,  // the slot is being moved (to or from here): RouteMoving decides, from which of
               // the keys exist here
};
struct Route {
  RouteKind kind = RouteKind::kServe;
  uint16_t slot = 0;
  uint16_t owner = 0;  // node index, for kMoved
};
// Routes a command by its keys: `count` keys, key i at args[first + i * step] (the command
// layer's CommandKeys gives the positions). `slot_so_far` (>= 0) is the slot earlier commands
// of the same transaction or script hashed to: keys elsewhere are then kCrossSlot, as in
// Redis's EXEC.
Route RouteKeys(const Topology& topology, std::span<const std::string_view> args, size_t first,
                size_t count, size_t step, int slot_so_far = -1);

// Redis 7.0's getNodeByQuery for a slot being moved, given how many of the command's keys this
// node holds (`existing`) and lacks (`missing`), whether it has several keys, and whether the
// client sent ASKING just before. Source (migrating): all keys here: serve; none: -ASK to the
// target; some: -TRYAGAIN. Target (importing): with ASKING serve, unless a multi-key command
// lacks some keys (-TRYAGAIN); without ASKING -MOVED to the owner.
Route RouteMoving(const Topology& topology, uint16_t slot, int existing, int missing,
                  bool multiple_keys, bool asking);

}  // namespace cairn::cluster
