// The simulated shard: the smallest loop around a real EvictionPolicy that behaves like
// cache/shard for a look-aside workload (GET; on a miss, SET). It owns real Entry headers (built
// with Entry::Construct, keyed by the 4-byte object id, so policies hash real keys with
// HashKey), a dense id -> Entry* index, the LFU access metadata the shard keeps for every policy
// (lfu::Decay + lfu::LogIncr before OnAccess), and a capacity in objects or bytes:
//   hit   update access metadata, policy.OnAccess
//   miss  an object larger than the whole capacity is refused (counted, not inserted);
//         otherwise PickVictim/OnErase until the new object fits (capacity is reserved before
//         the insert, as CacheManager does), then OnInsert. A policy that returns no victim
//         while holding entries is a bug: the run stops with an error ("stuck").
// Sizes in byte mode are the trace's object sizes (not Entry::Charge: the simulator measures the
// policy, not the engine's header overhead); a size change on a hit is ignored. Entries carry
// the size as their value length, so size-aware policies (gdsf, adaptive in byte mode) see a
// charge of size + the header, as in the engine.
//
// SimulateOpt is Belady's MIN with bypass, offline, from next-use indices: on a miss, the object
// is cached unless its next use is further away than that of every resident object that would
// have to go; the resident object used furthest in the future is evicted first. An indexed
// binary heap keyed by next use makes it O(log C) per request. In object mode it is optimal; in
// byte mode (variable sizes) it is the classic furthest-next-use heuristic, a strong reference
// but not a proven bound (the exact optimum is NP-hard; Berger et al., "Practical bounds on
// optimal caching with variable object sizes", SIGMETRICS 2018).
#pragma once

#include <cstdint>
#include <vector>

#include "cairn/eviction/policy.h"
#include "trace.h"

namespace cairn::hitratio {

struct SimResult {
  uint64_t requests = 0;
  uint64_t hits = 0;
  uint64_t bytes = 0;
  uint64_t hit_bytes = 0;
  uint64_t refused = 0;
  uint64_t evictions = 0;
  size_t metadata_bytes = 0;  // policy.MetadataBytes() at the end of the run
  double seconds = 0;         // wall time of the run
  double cpu_seconds = 0;     // CPU time of the simulating thread

  double HitRatio() const { return requests == 0 ? 0 : static_cast<double>(hits) / requests; }
  double ByteHitRatio() const { return bytes == 0 ? 0 : static_cast<double>(hit_bytes) / bytes; }
};

// Throws std::runtime_error if the policy gets stuck.
SimResult Simulate(EvictionPolicy& policy, const Trace& trace, uint64_t capacity, bool bytes);

SimResult SimulateOpt(const Trace& trace, const std::vector<uint32_t>& next_uses, uint64_t capacity,
                      bool bytes);

}  // namespace cairn::hitratio
