// ClusterState: the map in force, published to the I/O threads through a version number and a
// per-thread reference (see the header), plus the map file's load and save.
#include "cairn/cluster/cluster_state.h"

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

namespace cairn::cluster {
namespace {

std::atomic<uint64_t> next_version{1};

// The calling thread's reference to the map it last read, and from which state and version.
struct LocalView {
  const ClusterState* state = nullptr;
  uint64_t version = 0;
  std::shared_ptr<const Topology> topology;
};
thread_local LocalView local_view;

// Keeps `from`'s slot moves in `to` where `to` still allows them (see Install).
void CarryMoves(const Topology& from, Topology& to) {
  auto remap = [&](uint16_t index) -> uint16_t {
    if (index == Topology::kNoOwner) return Topology::kNoOwner;
    const int found = to.FindNode(from.nodes[index].id);
    return found < 0 || found == to.self ? Topology::kNoOwner : static_cast<uint16_t>(found);
  };
  for (uint32_t s = 0; s < kSlots; ++s) {
    if (from.migrating_to[s] != Topology::kNoOwner && to.Owns(static_cast<uint16_t>(s))) {
      to.migrating_to[s] = remap(from.migrating_to[s]);
    }
    if (from.importing_from[s] != Topology::kNoOwner && !to.Owns(static_cast<uint16_t>(s))) {
      to.importing_from[s] = remap(from.importing_from[s]);
    }
  }
}

}  // namespace

ClusterState::ClusterState(std::string self_id, std::shared_ptr<Topology> topology,
                           std::string config_file, std::string announce_ip)
    : self_id_(std::move(self_id)),
      config_file_(std::move(config_file)),
      announce_ip_(std::move(announce_ip)) {
  topology->self = topology->FindNode(self_id_);
  current_ = std::move(topology);
  version_.store(next_version.fetch_add(1), std::memory_order_release);
}

std::string ClusterState::Install(std::shared_ptr<Topology> topology) {
  const int self = topology->FindNode(self_id_);
  if (self < 0) {
    return "the map does not name this node (" + self_id_ +
           "): list it, with no slots if it is being drained";
  }
  topology->self = self;
  std::lock_guard lock(mu_);
  if (topology->epoch < current_->epoch) {
    return "the map's epoch " + std::to_string(topology->epoch) + " is older than the current " +
           std::to_string(current_->epoch);
  }
  CarryMoves(*current_, *topology);
  current_ = std::move(topology);
  version_.store(next_version.fetch_add(1), std::memory_order_release);
  return {};
}

std::string ClusterState::Update(const std::function<std::string(Topology&)>& edit) {
  std::lock_guard lock(mu_);
  auto copy = std::make_shared<Topology>(*current_);
  if (std::string error = edit(*copy); !error.empty()) return error;
  current_ = std::move(copy);
  version_.store(next_version.fetch_add(1), std::memory_order_release);
  return {};
}

const Topology& ClusterState::Current() const {
  const uint64_t version = version_.load(std::memory_order_acquire);
  LocalView& view = local_view;
  if (view.state != this || view.version != version) {
    std::lock_guard lock(mu_);
    view.topology = current_;
    view.state = this;
    view.version = version_.load(std::memory_order_relaxed);
  }
  return *view.topology;
}

std::shared_ptr<const Topology> ClusterState::Snapshot() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::string RandomNodeId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(kMaxNodeIdLength, '0');
  for (char& c : id) c = kHex[gen() & 15];
  return id;
}

std::string LoadTopologyFile(const std::string& path, std::shared_ptr<Topology>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open the cluster config file '" + path + "'";
  std::string text(kMaxTopologyBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  ParseResult parsed = ParseTopology(text);
  if (!parsed.topology) return "cluster config file '" + path + "': " + parsed.error;
  out = std::move(parsed.topology);
  return {};
}

std::string SaveTopologyFile(const std::string& path, const Topology& topology) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << "# Cairn cluster map (CAIRN.CLUSTER SETCONFIG rewrites this file)\n"
        << FormatTopology(topology);
    out.flush();
    if (!out) return "cannot write '" + tmp + "'";
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return "cannot rename '" + tmp + "'";
  return {};
}

int ResolveSelf(const Topology& topology, const std::string& node_id, uint16_t port,
                std::string& error) {
  if (!node_id.empty()) {
    const int index = topology.FindNode(node_id);
    if (index < 0) error = "cluster-node-id " + node_id + " is not in the cluster map";
    return index;
  }
  int found = -1;
  for (size_t i = 0; i < topology.nodes.size(); ++i) {
    if (topology.nodes[i].port != port) continue;
    if (found >= 0) {
      error = "several nodes of the cluster map have port " + std::to_string(port) +
              ": set cluster-node-id";
      return -1;
    }
    found = static_cast<int>(i);
  }
  if (found < 0) {
    error = "no node of the cluster map has port " + std::to_string(port) + ": set cluster-node-id";
  }
  return found;
}

std::unique_ptr<ClusterState> OpenClusterState(const std::string& config_file,
                                               const std::string& node_id,
                                               const std::string& announce_ip, uint16_t port,
                                               std::string& error) {
  if (config_file.empty()) {
    std::string id = node_id.empty() ? RandomNodeId() : node_id;
    auto topology = SingleNodeTopology(id, "", port);
    return std::make_unique<ClusterState>(std::move(id), std::move(topology), "", announce_ip);
  }
  std::shared_ptr<Topology> topology;
  error = LoadTopologyFile(config_file, topology);
  if (!error.empty()) return nullptr;
  const int self = ResolveSelf(*topology, node_id, port, error);
  if (self < 0) return nullptr;
  std::string id = topology->nodes[static_cast<size_t>(self)].id;
  return std::make_unique<ClusterState>(std::move(id), std::move(topology), config_file,
                                        announce_ip);
}

}  // namespace cairn::cluster
