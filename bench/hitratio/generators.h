// Seeded synthetic trace generators. Every generator is a pure function of its parameters and
// seed (std::mt19937_64 plus a Zipf sampler by rejection-inversion), so a run is reproducible
// bit for bit. Popularity ranks are mapped to ids through a seeded permutation, and ids are then
// renumbered densely in order of first appearance.
//
//   zipf   requests over `keys` keys, P(rank k) ~ 1/k^alpha.
//   scan   zipf(alpha) traffic interrupted every `period` requests by a one-time scan of
//          `scan_len` brand-new keys (each requested once, in sequence): a batch job or a
//          crawler walking a cold range.
//   shift  zipf(alpha) whose popularity ranking moves every `period` requests by `hop` places
//          towards previously cold keys: the hot set is replaced by keys that were at the cold
//          end (a news cycle, a daily working set).
//   loop   zipf(alpha) traffic mixed with a loop: a share `loop_share` of the requests walk
//          `loop_len` keys cyclically (a periodic job re-reading a data set); with a loop a bit
//          larger than the cache, LRU-like policies never hit it while OPT keeps most of it.
// The next three reproduce what makes the real traces in ../shared/traces hard (bench/README.md):
//   web    a web page cache (cache2k web07: 54% of keys requested once, 36% of requests re-read
//          a key seen within the last 1% of the key count): a share `new_share` of requests
//          for brand-new keys (one-hit wonders), a share `burst_share` re-reading the key of a
//          random one of the last `burst_window` requests (short bursts), the rest Zipf(alpha).
//   multi  several programs interleaved (LIRS multi2): bursts of 50-200 requests from a Zipf
//          reader, a loop over 2% of the keys, a loop over 8% and a sequential reader of new
//          blocks, so loops larger and smaller than the cache and scans coexist.
//   drift  an entity cache under load (cache2k orm-busy: 60% of requests re-read a key seen
//          within the last 1% of the key count, LRU ahead of frequency policies at small sizes):
//          half the requests re-read one of the last `burst_window` keys, the other half are
//          Zipf(alpha) whose ranking slides continuously, every key the hottest once per trace.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "trace.h"

namespace cairn::hitratio {

// Zipf(n, s) over ranks 1..n by rejection-inversion (W. Hormann, G. Derflinger, "Rejection-
// inversion to generate variates from monotone discrete distributions", 1996), O(1) per sample
// for any s > 0 including 1.
class ZipfSampler {
 public:
  ZipfSampler(uint64_t n, double s);
  uint64_t Sample(std::mt19937_64& rng) const;

 private:
  double H(double x) const;
  double HIntegral(double x) const;
  double HIntegralInverse(double x) const;

  uint64_t n_;
  double s_;
  double h_integral_x1_;
  double h_integral_n_;
  double s_tmp_;
};

// The standard suite's workloads by name, "kind:alpha" (alpha defaults to 0.9): zipf; scan (a
// one-time scan of keys/10 new keys after every `keys` requests); shift (12 phases, each moving
// the ranking by keys/10); loop (30% of the requests loop over 1.1 x the cache, the cache being
// `fraction` of all keys, zipf and loop keys together); web (15% new keys, 35% bursts within
// the last keys/100 requests); multi; drift (50% bursts within the last keys/100 requests).
// Throws std::invalid_argument.
Trace GenerateWorkload(const std::string& spec, uint32_t keys, size_t requests, uint64_t seed,
                       double fraction);

Trace GenerateZipf(uint32_t keys, double alpha, size_t requests, uint64_t seed);
Trace GenerateScan(uint32_t keys, double alpha, size_t requests, size_t period, size_t scan_len,
                   uint64_t seed);
Trace GenerateShift(uint32_t keys, double alpha, size_t requests, size_t period, uint32_t hop,
                    uint64_t seed);
Trace GenerateLoop(uint32_t keys, double alpha, size_t requests, uint32_t loop_len,
                   double loop_share, uint64_t seed);
Trace GenerateWeb(uint32_t keys, double alpha, size_t requests, double new_share,
                  double burst_share, size_t burst_window, uint64_t seed);
Trace GenerateMulti(uint32_t keys, double alpha, size_t requests, uint64_t seed);
Trace GenerateDrift(uint32_t keys, double alpha, size_t requests, double burst_share,
                    size_t burst_window, uint64_t seed);

}  // namespace cairn::hitratio
