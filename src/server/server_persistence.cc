// Server: the ServerContext methods for persistence and undo, kept apart from the networking.
#include "cairn/persistence/persistence_service.h"
#include "cairn/server/server.h"

namespace cairn {

void Server::SetPersistence(PersistenceService* persistence) {
  persistence_.store(persistence, std::memory_order_release);
}

PersistenceService* Server::persistence() { return persistence_.load(std::memory_order_acquire); }

bool Server::loading() const {
  PersistenceService* p = persistence_.load(std::memory_order_acquire);
  return p != nullptr && p->loading();
}

void Server::SetUndoLimits(size_t depth, uint64_t max_bytes) {
  undo_depth_.store(depth, std::memory_order_relaxed);
  undo_max_bytes_.store(max_bytes, std::memory_order_relaxed);
}

size_t Server::undo_depth() const { return undo_depth_.load(std::memory_order_relaxed); }
uint64_t Server::undo_max_bytes() const { return undo_max_bytes_.load(std::memory_order_relaxed); }

}  // namespace cairn
