// A request trace for the hit-ratio simulator: dense object ids (0..universe-1, in order of
// first appearance), per-request object sizes and timestamps (Unix seconds).
//
// Loaders:
//   text           one request per line: "<key> [<size>]"; blank lines and lines starting with
//                  '#' are skipped; size defaults to 1.
//   oracleGeneral  libCacheSim's binary format: packed little-endian 24-byte records
//                  {u32 timestamp, u64 obj_id, u32 obj_size, i64 next_access_vtime}; the
//                  next-access field is ignored (recomputed); size 0 is read as 1. Decompress
//                  .zst traces first (zstd -d).
// Synthetic generators (seeded, reproducible): see generators.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cairn::hitratio {

// SplitMix64 (a bijective 64-bit mix): seeded per-object draws, and --hash-seed's spreading.
inline uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A realistic value-size mix for byte-capacity runs: lognormal sizes (median `median`, shape
// `sigma`, clamped to [min, max]: most values small with a long tail, the usual shape of
// key-value cache values), and, with cold_share > 0, that share of the objects requested at most
// twice in the trace made large (log-uniform in [cold_min, cold_max]): a few big blobs that are
// fetched once (exports, images, reports) and take the bytes of many small hot values.
struct SizeMix {
  uint32_t median = 1024;
  double sigma = 1.0;
  uint32_t min = 16;
  uint32_t max = 256 * 1024;
  double cold_share = 0;
  uint32_t cold_min = 64 * 1024;
  uint32_t cold_max = 1024 * 1024;
};

struct Trace {
  std::string name;
  std::vector<uint32_t> ids;
  std::vector<uint32_t> sizes;       // empty: every object has size 1
  std::vector<uint32_t> times;       // empty: derived from the request index (see TimeOf)
  uint32_t universe = 0;             // number of distinct ids
  uint32_t synthetic_rate = 10'000;  // requests per second when `times` is empty

  size_t size() const { return ids.size(); }
  uint32_t SizeOf(size_t i) const { return sizes.empty() ? 1 : sizes[i]; }
  uint32_t TimeOf(size_t i) const {
    constexpr uint32_t kEpoch = 1'700'000'000;
    return times.empty() ? kEpoch + static_cast<uint32_t>(i / synthetic_rate) : times[i];
  }
  // Sum over distinct objects of their (first seen) size.
  uint64_t UniqueBytes() const;
  // Gives every object a deterministic pseudo-random size, log-uniform in [min, max].
  void AssignSizes(uint32_t min_size, uint32_t max_size, uint64_t seed);
  // Gives every object a deterministic pseudo-random size from `mix` (see SizeMix).
  void AssignSizes(const SizeMix& mix, uint64_t seed);
};

// Throws std::runtime_error on I/O or format errors.
Trace LoadTextTrace(const std::string& path);
Trace LoadOracleGeneralTrace(const std::string& path, uint64_t max_requests = 0);

// For each request i, the index of the next request for the same object, or kNever.
inline constexpr uint32_t kNever = 0xffffffffu;
std::vector<uint32_t> NextUses(const Trace& trace);

}  // namespace cairn::hitratio
