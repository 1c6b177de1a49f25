// This node's view of the cluster: its own id and the map in force. Built by the composition root
// when `cluster-enabled yes` (otherwise there is none, and the dispatcher's cluster gate is one
// null check), read by the dispatcher on every keyed command and by the CLUSTER commands.
//
// Threads: the map is immutable once installed; Install publishes a new one under a mutex and
// bumps a version. Current() gives the calling thread its own reference, refreshed only when the
// version has changed, so the per-command cost is one atomic load and a compare; a thread keeps
// the map it last read alive until its next Current().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "cairn/cluster/topology.h"

namespace cairn::cluster {

class ClusterState {
 public:
  // `topology` must name `self_id` (it becomes the map in force). `config_file`: where
  // SETCONFIG saves each new map ("" = nowhere). `announce_ip`: the address single-node mode
  // announces ("" = the one each client connected to).
  ClusterState(std::string self_id, std::shared_ptr<Topology> topology, std::string config_file,
               std::string announce_ip);

  // Makes `topology` the map in force, unless it does not name this node or its epoch is older
  // than the current map's. Returns "" or why it was refused (the old map stays). The slot moves
  // in progress (Topology::migrating_to / importing_from) carry over, by node id, where the new
  // map still allows them (a migrating slot still ours, an importing one still another's).
  std::string Install(std::shared_ptr<Topology> topology);
  // CLUSTER SETSLOT: `edit` changes a copy of the map in force (ranges, epoch and self are
  // kept consistent by the caller); the copy is installed when it returns "", else that error is
  // returned and nothing changes. Serialised with Install.
  std::string Update(const std::function<std::string(Topology&)>& edit);

  // The map in force, for the calling thread: valid until this thread's next Current().
  const Topology& Current() const;
  // A reference that outlives later installs.
  std::shared_ptr<const Topology> Snapshot() const;

  // Changes with every install or update: the dispatcher re-routes a command whose map changed
  // between its cluster gate and its execution.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  const std::string& self_id() const { return self_id_; }
  const std::string& config_file() const { return config_file_; }
  const std::string& announce_ip() const { return announce_ip_; }

 private:
  const std::string self_id_;
  const std::string config_file_;
  const std::string announce_ip_;
  mutable std::mutex mu_;
  std::shared_ptr<const Topology> current_;  // guarded by mu_
  std::atomic<uint64_t> version_{0};         // process-wide unique per install
};

// A random 40-hex-digit node id (Redis's format), for single-node mode without cluster-node-id.
std::string RandomNodeId();

// Reads and parses the map file. Returns "" and sets `out`, or the error.
std::string LoadTopologyFile(const std::string& path, std::shared_ptr<Topology>& out);
// Writes the map to `path` atomically (a temporary file renamed over it). Returns "" or the error.
std::string SaveTopologyFile(const std::string& path, const Topology& topology);

// Which node of `topology` this process is: the node named `node_id` when set, else the only node
// whose port is `port`. Returns the index, or -1 with `error` set.
int ResolveSelf(const Topology& topology, const std::string& node_id, uint16_t port,
                std::string& error);

// The state for cluster-enabled yes: the map of `config_file` (this node being the one
// ResolveSelf finds), or with no file one node owning every slot, its id `node_id` or a random
// one. nullptr with `error` set when the file is missing, invalid or does not name this node.
std::unique_ptr<ClusterState> OpenClusterState(const std::string& config_file,
                                               const std::string& node_id,
                                               const std::string& announce_ip, uint16_t port,
                                               std::string& error);

}  // namespace cairn::cluster
