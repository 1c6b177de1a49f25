// Cluster mode's keys (issue 19), all fixed after startup; config/cairn.conf's CLUSTER section
// documents them and the map file's format (cairn/cluster/topology.h).
#include "config_rows.h"

namespace cairn::config_internal {

void AppendClusterSpecs(std::vector<ConfigSpec>& rows) {
  rows.push_back(BoolRow("cluster-enabled", &ServerConfig::cluster_enabled, false,
                         "Redis Cluster mode: hash slots, -MOVED, CLUSTER SLOTS"));
  rows.push_back(StringRow("cluster-config-file", &ServerConfig::cluster_config_file, true, false,
                           "FILE",
                           "the cluster map every node reads at startup (empty = this node "
                           "owns every slot)"));
  rows.push_back(StringRow("cluster-node-id", &ServerConfig::cluster_node_id, true, false, "ID",
                           "this node's id in the cluster map (empty = the node with this port)"));
  rows.push_back(StringRow("cluster-announce-ip", &ServerConfig::cluster_announce_ip, true, false,
                           "ADDR",
                           "address announced when this node owns every slot alone (empty = "
                           "the one the client connected to)"));
}

}  // namespace cairn::config_internal
