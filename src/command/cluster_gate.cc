// The cluster gate (cluster_gate.h): one slot computation per key, no allocation on the way
// through; the -MOVED text is built in a per-thread buffer.
#include "cluster_gate.h"

#include <string>

#include "cairn/cluster/cluster_state.h"

namespace cairn {

bool ClusterAllows(CommandContext& ctx, const CommandSpec& spec, Args args, int* slot) {
  const cluster::Topology& topology = ctx.cluster->Current();
  const CommandKeys keys(spec, args);
  const cluster::Route route =
      cluster::RouteKeys(topology, args, keys.first(), keys.size(), keys.step(), slot ? *slot : -1);
  switch (route.kind) {
    case cluster::RouteKind::kServe:
      if (slot != nullptr && !keys.empty()) *slot = route.slot;
      return true;
    case cluster::RouteKind::kCrossSlot:
      ctx.reply.Error("CROSSSLOT Keys in request don't hash to the same slot");
      return false;
    case cluster::RouteKind::kMoved:
      break;
  }
  if (route.owner == cluster::Topology::kNoOwner) {
    ctx.reply.Error("CLUSTERDOWN Hash slot not served");
    return false;
  }
  thread_local std::string moved;
  moved.assign("MOVED ");
  moved.append(std::to_string(route.slot)).push_back(' ');
  moved.append(topology.nodes[route.owner].endpoint);
  ctx.reply.Error(moved);
  return false;
}

}  // namespace cairn
