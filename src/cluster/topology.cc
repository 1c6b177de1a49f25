// Parsing, validation and printing of the cluster map (format in cairn/cluster/topology.h), and
// the routing decision the dispatcher's cluster gate makes for each keyed command.
#include "cairn/cluster/topology.h"

#include <algorithm>
#include <charconv>

namespace cairn::cluster {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<std::string_view> Tokens(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  if (s.empty() || s.front() == '-' || s.front() == '+') return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool IsNodeId(std::string_view id) {
  if (id.empty() || id.size() > kMaxNodeIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

bool IsHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '_';
  });
}

// "100" or "0-5460".
bool ParseRange(std::string_view s, SlotRange& out) {
  const size_t dash = s.find('-');
  uint32_t first = 0;
  uint32_t last = 0;
  if (dash == std::string_view::npos) {
    if (!ParseNumber(s, first)) return false;
    last = first;
  } else if (!ParseNumber(s.substr(0, dash), first) || !ParseNumber(s.substr(dash + 1), last)) {
    return false;
  }
  if (first > last || last >= kSlots) return false;
  out = {static_cast<uint16_t>(first), static_cast<uint16_t>(last)};
  return true;
}

std::string LineError(size_t line, std::string_view what) {
  return "line " + std::to_string(line) + ": " + std::string(what);
}

// Rebuilds each node's ranges from the owner table: sorted and merged.
void FillRanges(Topology& t) {
  for (Node& node : t.nodes) node.ranges.clear();
  for (uint32_t slot = 0; slot < kSlots;) {
    const uint16_t owner = t.owner[slot];
    uint32_t end = slot;
    while (end + 1 < kSlots && t.owner[end + 1] == owner) ++end;
    if (owner != Topology::kNoOwner) {
      t.nodes[owner].ranges.push_back({static_cast<uint16_t>(slot), static_cast<uint16_t>(end)});
    }
    slot = end + 1;
  }
}

}  // namespace

int Topology::FindNode(std::string_view id) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

void Topology::RebuildRanges() { FillRanges(*this); }

ParseResult ParseTopology(std::string_view text) {
  if (text.size() > kMaxTopologyBytes) {
    return {nullptr, "the map is larger than " + std::to_string(kMaxTopologyBytes) + " bytes"};
  }
  auto t = std::make_shared<Topology>();
  t->owner.fill(Topology::kNoOwner);
  bool seen_epoch = false;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const std::vector<std::string_view> tok = Tokens(line);
    if (tok.empty()) continue;
    if (tok[0] == "epoch") {
      if (seen_epoch) return {nullptr, LineError(line_no, "epoch given twice")};
      if (tok.size() != 2 || !ParseNumber(tok[1], t->epoch)) {
        return {nullptr, LineError(line_no, "expected 'epoch <non-negative integer>'")};
      }
      seen_epoch = true;
      continue;
    }
    if (tok[0] != "node") {
      return {nullptr,
              LineError(line_no, "unknown statement '" + std::string(tok[0].substr(0, 64)) +
                                     "' (expected 'node' or 'epoch')")};
    }
    if (tok.size() < 4) {
      return {nullptr,
              LineError(line_no, "expected 'node <id> <host> <port> [<slot>|<first>-<last> ...]'")};
    }
    if (t->nodes.size() >= kMaxNodes) {
      return {nullptr, LineError(line_no, "more than " + std::to_string(kMaxNodes) + " nodes")};
    }
    Node node;
    if (!IsNodeId(tok[1])) {
      return {nullptr, LineError(line_no, "invalid node id (1 to 40 letters, digits, '-' or '_')")};
    }
    node.id = std::string(tok[1]);
    if (t->FindNode(node.id) >= 0) {
      return {nullptr, LineError(line_no, "node " + node.id + " is listed twice")};
    }
    if (!IsHost(tok[2])) return {nullptr, LineError(line_no, "invalid host")};
    node.host = std::string(tok[2]);
    uint32_t port = 0;
    if (!ParseNumber(tok[3], port) || port == 0 || port > 65535) {
      return {nullptr, LineError(line_no, "invalid port (1 to 65535)")};
    }
    node.port = static_cast<uint16_t>(port);
    node.endpoint = node.host + ":" + std::to_string(node.port);
    for (const Node& other : t->nodes) {
      if (other.endpoint == node.endpoint) {
        return {nullptr, LineError(line_no, "nodes " + other.id + " and " + node.id +
                                                " have the same address " + node.endpoint)};
      }
    }
    const auto index = static_cast<uint16_t>(t->nodes.size());
    for (size_t i = 4; i < tok.size(); ++i) {
      SlotRange range;
      if (!ParseRange(tok[i], range)) {
        return {nullptr,
                LineError(line_no, "invalid slot range '" + std::string(tok[i].substr(0, 64)) +
                                       "' (slots are 0 to 16383)")};
      }
      for (uint32_t s = range.first; s <= range.last; ++s) {
        if (t->owner[s] != Topology::kNoOwner) {
          const std::string& other = t->owner[s] == index ? node.id : t->nodes[t->owner[s]].id;
          return {nullptr, LineError(line_no, "slot " + std::to_string(s) + " is owned by both " +
                                                  other + " and " + node.id)};
        }
        t->owner[s] = index;
      }
    }
    t->nodes.push_back(std::move(node));
  }
  if (t->nodes.empty()) return {nullptr, "the map names no node"};
  for (uint32_t s = 0; s < kSlots; ++s) {
    if (t->owner[s] == Topology::kNoOwner) {
      uint32_t e = s;
      while (e + 1 < kSlots && t->owner[e + 1] == Topology::kNoOwner) ++e;
      return {nullptr, "slots " + std::to_string(s) + "-" + std::to_string(e) +
                           " are owned by no node (every slot 0-16383 needs an owner)"};
    }
  }
  FillRanges(*t);
  return {std::move(t), {}};
}

std::string FormatRanges(std::span<const SlotRange> ranges) {
  std::string out;
  for (const SlotRange& r : ranges) {
    if (!out.empty()) out.push_back(' ');
    out += std::to_string(r.first);
    if (r.last != r.first) out += "-" + std::to_string(r.last);
  }
  return out;
}

std::string FormatTopology(const Topology& topology) {
  std::string out = "epoch " + std::to_string(topology.epoch) + "\n";
  for (const Node& node : topology.nodes) {
    out += "node " + node.id + " " + node.host + " " + std::to_string(node.port);
    if (!node.ranges.empty()) out += " " + FormatRanges(node.ranges);
    out.push_back('\n');
  }
  return out;
}

std::shared_ptr<Topology> SingleNodeTopology(std::string id, std::string host, uint16_t port) {
  auto t = std::make_shared<Topology>();
  Node node;
  node.id = std::move(id);
  node.host = std::move(host);
  node.port = port;
  node.endpoint = node.host + ":" + std::to_string(port);
  node.ranges.push_back({0, static_cast<uint16_t>(kSlots - 1)});
  t->nodes.push_back(std::move(node));
  t->owner.fill(0);
  t->self = 0;
  return t;
}

Route RouteKeys(const Topology& topology, std::span<const std::string_view> args, size_t first,
                size_t count, size_t step, int slot_so_far) {
  if (count == 0) return {};
  const uint16_t slot =
      slot_so_far >= 0 ? static_cast<uint16_t>(slot_so_far) : KeySlot(args[first]);
  for (size_t i = slot_so_far >= 0 ? 0 : 1; i < count; ++i) {
    if (KeySlot(args[first + i * step]) != slot) return {RouteKind::kCrossSlot, slot, 0};
  }
  if (topology.Migrating(slot) || topology.Importing(slot)) {
    return {RouteKind::kCheckKeys, slot, topology.owner[slot]};
  }
  if (topology.Owns(slot)) return {RouteKind::kServe, slot, 0};
  return {RouteKind::kMoved, slot, topology.owner[slot]};
}

Route RouteMoving(const Topology& topology, uint16_t slot, int existing, int missing,
                  bool multiple_keys, bool asking) {
  if (topology.Owns(slot)) {
    if (!topology.Migrating(slot) || missing == 0) return {RouteKind::kServe, slot, 0};
    if (existing > 0) return {RouteKind::kTryAgain, slot, 0};
    return {RouteKind::kAsk, slot, topology.migrating_to[slot]};
  }
  if (topology.Importing(slot) && asking) {
    if (multiple_keys && missing > 0) return {RouteKind::kTryAgain, slot, 0};
    return {RouteKind::kServe, slot, 0};
  }
  return {RouteKind::kMoved, slot, topology.owner[slot]};
}

}  // namespace cairn::cluster
