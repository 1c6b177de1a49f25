// One connection's transaction state: the commands queued between MULTI and EXEC and the keys
// it WATCHes. Private to the command module; owned by ClientState::tx.
//
// Queue. MULTI starts queueing: the dispatcher checks each command as if it were to run (lookup,
// arity, auth ...), then copies its arguments here and answers +QUEUED. A refused command
// flags the transaction, and EXEC then answers -EXECABORT (Redis 7.0: flagTransaction). The
// arguments live in one arena (one allocation pattern however many commands are queued); the
// queue's size is bounded by proto-max-bulk-len (a larger transaction is refused and flagged).
//
// Watch. WATCH registers one WatchTicket (cairn/cache/watch_ticket.h) per key with the key's
// shard; the shard sets the ticket's flag on any change of the key, by anyone. EXEC first looks
// at each watched key (a key that expired since WATCH is then removed, which sets the flag, as
// Redis 7.0's isWatchedKeyExpired), then refuses to run if the flag is set. EXEC, DISCARD,
// UNWATCH, RESET and the end of the connection drop the registrations.
//
// Thread safety: only the owning connection's commands use it; the ticket's flag is atomic
// because shards set it from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "cairn/cache/watch_ticket.h"
#include "cairn/command/context.h"

namespace cairn {

class Transaction {
 public:
  explicit Transaction(CacheManager& cache) : cache_(cache) {}
  ~Transaction() { UnwatchAll(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // --- the MULTI queue ---
  // Queues a copy of `args`; false (nothing queued) when the queue would pass `max_bytes`.
  bool Queue(Args args, uint64_t max_bytes);
  size_t size() const { return argcs_.size(); }
  // The queued commands as argument lists (views into the arena, valid until the next Queue or
  // ClearQueue).
  std::vector<std::vector<std::string_view>> Commands() const;
  void Flag() { aborted_ = true; }
  bool aborted() const { return aborted_; }
  // A queued command may grow the dataset (denyoom): EXEC is refused while out of memory.
  void NoteMayGrow() { may_grow_ = true; }
  bool may_grow() const { return may_grow_; }
  // Empties the queue and clears the flag (EXEC, DISCARD).
  void ClearQueue();

  // --- WATCH ---
  void Watch(std::string_view key);  // a key already watched is not registered twice
  void UnwatchAll();
  bool watching() const { return !watched_.empty(); }
  // Whether a watched key changed since it was watched (expired keys are removed first).
  bool WatchedKeyChanged();

 private:
  CacheManager& cache_;
  std::string arena_;            // every queued argument, back to back
  std::vector<uint32_t> lens_;   // each argument's length
  std::vector<uint32_t> argcs_;  // each command's argument count
  bool aborted_ = false;
  bool may_grow_ = false;
  std::unordered_set<std::string> watched_;
  WatchTicket ticket_;
};

// Leaves MULTI (queue dropped) and unwatches every key: EXEC, DISCARD, RESET.
void DiscardTransaction(ClientState& client);

}  // namespace cairn
