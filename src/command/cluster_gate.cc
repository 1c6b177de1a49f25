// The cluster gate (cluster_gate.h): one slot computation per key, no allocation on the way
// through; the -MOVED / -ASK text is built in a per-thread buffer. Only a slot being moved costs
// a lookup of the command's keys.
#include "cluster_gate.h"

#include <string>

#include "cairn/cache/cache_manager.h"
#include "cairn/cluster/cluster_state.h"

namespace cairn {
namespace {

// What the last ClusterAllows on this thread let through (ClusterRouteStale).
struct LastRoute {
  uint64_t version = 0;
  bool moving = false;
};
thread_local LastRoute last_route;

// The command's keys in a slot being moved: how many exist here, how many do not.
cluster::Route RouteMovingSlot(CommandContext& ctx, const CommandSpec& spec,
                               const CommandKeys& keys, const cluster::Topology& topology,
                               uint16_t slot) {
  int existing = 0;
  int missing = 0;
  for (std::string_view key : keys) (ctx.cache.Exists(key) ? existing : missing) += 1;
  // RESTORE-ASKING (what MIGRATE sends) implies ASKING, as its Redis flag "asking" does.
  const bool asking = ctx.client.asking != 0 || spec.name == "restore-asking";
  return cluster::RouteMoving(topology, slot, existing, missing, existing + missing > 1, asking);
}

void Redirect(CommandContext& ctx, std::string_view kind, const cluster::Topology& topology,
              const cluster::Route& route) {
  thread_local std::string text;
  text.assign(kind);
  text.append(std::to_string(route.slot)).push_back(' ');
  text.append(topology.nodes[route.owner].endpoint);
  ctx.reply.Error(text);
}

}  // namespace

bool ClusterAllows(CommandContext& ctx, const CommandSpec& spec, Args args, int* slot) {
  last_route.version = ctx.cluster->version();
  const cluster::Topology& topology = ctx.cluster->Current();
  const CommandKeys keys(spec, args);
  cluster::Route route =
      cluster::RouteKeys(topology, args, keys.first(), keys.size(), keys.step(), slot ? *slot : -1);
  last_route.moving = route.kind == cluster::RouteKind::kCheckKeys;
  if (last_route.moving) [[unlikely]] {
    route = RouteMovingSlot(ctx, spec, keys, topology, route.slot);
  }
  switch (route.kind) {
    case cluster::RouteKind::kServe:
    case cluster::RouteKind::kCheckKeys:
      if (slot != nullptr && !keys.empty()) *slot = route.slot;
      return true;
    case cluster::RouteKind::kCrossSlot:
      ctx.reply.Error("CROSSSLOT Keys in request don't hash to the same slot");
      return false;
    case cluster::RouteKind::kTryAgain:
      ctx.reply.Error("TRYAGAIN Multiple keys request during rehashing of slot");
      return false;
    case cluster::RouteKind::kAsk:
      Redirect(ctx, "ASK ", topology, route);
      return false;
    case cluster::RouteKind::kMoved:
      break;
  }
  if (route.owner == cluster::Topology::kNoOwner) {
    ctx.reply.Error("CLUSTERDOWN Hash slot not served");
    return false;
  }
  Redirect(ctx, "MOVED ", topology, route);
  return false;
}

bool ClusterRouteStale(const CommandContext& ctx) {
  return last_route.moving || last_route.version != ctx.cluster->version();
}

}  // namespace cairn
