// Server: the ServerContext method for the observability bundle (pub/sub hub, keyspace
// notifier, slowlog, MONITOR), kept apart from the networking.
#include "cairn/command/observability.h"
#include "cairn/server/server.h"

namespace cairn {

void Server::SetObservability(Observability* observability) {
  observability_.store(observability, std::memory_order_release);
}

Observability* Server::observability() { return observability_.load(std::memory_order_acquire); }

}  // namespace cairn
