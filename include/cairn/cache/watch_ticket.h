// WATCH support: a connection's "one of my watched keys changed" flag.
//
// A connection that WATCHes keys registers one ticket per key with the key's shard
// (CacheManager::Watch). The shard keeps, under its lock, a map of watched keys to tickets and
// sets the ticket's flag whenever the key changes for any reason: a write or a metadata change
// (EXPIRE, PERSIST) by anyone, a delete, a lazy or active expiry, an eviction, RENAME (source and
// destination), FLUSHALL of a key that existed, a SNAPSHOT RESTORE that replaced or created it.
// UNDO writes through the cache like any write, so it is covered too. Touching is one emptiness
// test of the shard's map (held lock) on every write; only shards with watched keys pay a lookup.
// EXEC refuses to run (null reply) when the flag is set. Redis's touchWatchedKey does the same
// from the keyspace's side (signalModifiedKey).
#pragma once

#include <atomic>

namespace cairn {

struct WatchTicket {
  std::atomic<bool> dirty{false};
};

}  // namespace cairn
