// Redis's logarithmic frequency counter (src/evict.c: LFULogIncr, LFUDecrAndReturn), kept for
// every entry whatever the policy, so that swapping to an LFU policy starts from real counts.
// 8 bits: the probability of an increment is 1/((counter - kInitVal) * log_factor + 1), so 255 is
// reached after about a million hits with log_factor 10; the counter decays by one per
// `decay_minutes` of idleness, applied when the entry is next touched or aged by the LFU policy.
#pragma once

#include <cstdint>

namespace cairn::lfu {

inline constexpr uint8_t kInitVal = 5;
inline constexpr int kDefaultLogFactor = 10;
inline constexpr int kDefaultDecayMinutes = 1;

// xorshift64*: a tiny per-shard PRNG, returning a uniform double in [0, 1).
inline double NextUnit(uint64_t& state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return static_cast<double>((state * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

inline uint8_t LogIncr(uint8_t counter, uint64_t& rng, int log_factor = kDefaultLogFactor) {
  if (counter == 255) return 255;
  double base = counter > kInitVal ? counter - kInitVal : 0;
  double p = 1.0 / (base * log_factor + 1);
  return NextUnit(rng) < p ? counter + 1 : counter;
}

inline uint8_t Decay(uint8_t counter, uint32_t last_access_s, uint32_t now_s,
                     int decay_minutes = kDefaultDecayMinutes) {
  if (decay_minutes <= 0 || now_s <= last_access_s) return counter;
  uint32_t periods = (now_s - last_access_s) / (60u * static_cast<uint32_t>(decay_minutes));
  return periods >= counter ? 0 : static_cast<uint8_t>(counter - periods);
}

}  // namespace cairn::lfu
