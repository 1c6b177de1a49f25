// The eviction contract: a policy only orders keys. The shard owns entries (index, memory,
// accounting); the policy is told about inserts, accesses, erasures and in-place replacements,
// and names the next victim on request. Every operation must be O(1) (amortised O(1) for hand or
// queue walks, with a constant bound per call documented in the policy's essay).
//
// The policy may use Entry::prev, Entry::next and Entry::policy_tag, and may read (LFU: also
// adjust) Entry::freq(). It must not free entries. Calls are made under the owning shard's lock:
// a policy instance is single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cairn/cache/entry.h"
#include "cairn/common/hash.h"

namespace cairn {

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;

  // Canonical registry name ("lru", "lfu", ...).
  virtual std::string_view name() const = 0;
  // A new entry became resident. Entry::freq() and last_access_s() are already set.
  virtual void OnInsert(Entry& e) = 0;
  // A resident entry was read or overwritten in place. The shard has already updated
  // freq (LFU counter) and last access.
  virtual void OnAccess(Entry& e) = 0;
  // A resident entry leaves (delete, expiry, eviction, flush). After this the policy must hold
  // no reference to it.
  virtual void OnErase(Entry& e) = 0;
  // `fresh` (not yet known to the policy) takes the place of resident `old` with the same key,
  // keeping its position (a value was resized into a new allocation); `old` is then freed.
  virtual void OnReplace(Entry& old, Entry& fresh) = 0;
  // A resident entry's value was resized in place (same allocation, same position): its charge
  // was `old_charge` and is now e.charge(). Followed by OnAccess. For policies that keep sums of
  // charges (gdsf's mean, adaptive's resident bytes); the others ignore it.
  virtual void OnResize(Entry& e, size_t old_charge) {
    (void)e;
    (void)old_charge;
  }
  // Which limit the next PickVictim serves, told by a caller that knows it (the shard: max-items
  // or maxmemory). A policy that models the limit uses it (adaptive's byte mode, which otherwise
  // infers it from the victims); the others ignore it.
  enum class Limit : uint8_t { kEntries, kBytes };
  virtual void OnLimit(Limit limit) { (void)limit; }
  // The entry to evict next, or nullptr when the policy never evicts or holds nothing. Does not
  // remove it: the shard calls OnErase when it actually evicts. `now_s` is Unix seconds (for
  // time-based aging). May reorder internal state (hands, second chances, aging).
  virtual Entry* PickVictim(uint32_t now_s) = 0;
  // Bytes of policy-owned memory outside entries (ghost lists, sketches); counted against
  // maxmemory by the shard.
  virtual size_t MetadataBytes() const { return 0; }
  // For composites (adaptive): this policy is an expert that is not running, and a request (hit
  // or miss) was made for the key with hash HashKey(key) in a cache of `resident` entries. A
  // policy whose decisions rest on long history (tinylfu: its frequency sketch) records it, so
  // it does not start cold when it runs again. Holds no entry; O(1).
  virtual void OnStandby(uint64_t key_hash, size_t resident) {
    (void)key_hash;
    (void)resident;
  }
  // Drops all references (the shard is being flushed); cheaper than OnErase per entry.
  virtual void Clear() = 0;

  // Number of entries the policy touched (link updates, hand steps, bucket moves) since
  // construction. Contract tests use it to check O(1) behaviour by counting work, not timing.
  uint64_t work() const { return work_; }

  // The caller's HashKey(e.key()), valid until ClearHint: a caller that has the hash (the shard
  // always has) brackets a call about `e` with HintHash/ClearHint, and a policy that needs the
  // hash (ghosts, sketches, sampling) gets it from KeyHash instead of hashing the key again
  // (every SET into a full adaptive cache hashed its key three times more than lru's).
  void HintHash(const Entry& e, uint64_t hash) {
    hint_entry_ = &e;
    hint_hash_ = hash;
  }
  void ClearHint() { hint_entry_ = nullptr; }

 protected:
  uint64_t KeyHash(const Entry& e) const {
    return &e == hint_entry_ ? hint_hash_ : HashKey(e.key());
  }
  bool HasHint(const Entry& e) const { return &e == hint_entry_; }

  uint64_t work_ = 0;

 private:
  const Entry* hint_entry_ = nullptr;
  uint64_t hint_hash_ = 0;
};

// Brackets one policy call about `e` with HintHash/ClearHint; the hint is cleared however the
// call ends (a throwing call must not leave a hint for an entry that may then be freed).
class ScopedHashHint {
 public:
  ScopedHashHint(EvictionPolicy& policy, const Entry& e, uint64_t hash) : policy_(policy) {
    policy_.HintHash(e, hash);
  }
  ~ScopedHashHint() { policy_.ClearHint(); }
  ScopedHashHint(const ScopedHashHint&) = delete;
  ScopedHashHint& operator=(const ScopedHashHint&) = delete;

 private:
  EvictionPolicy& policy_;
};

}  // namespace cairn
