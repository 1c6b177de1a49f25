#include "trace.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace cairn::hitratio {
namespace {

// A uniform double in [0, 1) from (seed, id, stream).
double UnitOf(uint64_t seed, uint32_t id, uint64_t stream) {
  uint64_t x = SplitMix(seed ^ (uint64_t{id} * 0x2545F4914F6CDD1DULL) ^ (stream << 56));
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

}  // namespace

uint64_t Trace::UniqueBytes() const {
  if (sizes.empty()) return universe;
  std::vector<bool> seen(universe, false);
  uint64_t total = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!seen[ids[i]]) {
      seen[ids[i]] = true;
      total += sizes[i];
    }
  }
  return total;
}

void Trace::AssignSizes(uint32_t min_size, uint32_t max_size, uint64_t seed) {
  double lo = std::log(static_cast<double>(min_size));
  double hi = std::log(static_cast<double>(max_size));
  std::vector<uint32_t> of(universe);
  for (uint32_t id = 0; id < universe; ++id) {
    double u = static_cast<double>(SplitMix(seed ^ (uint64_t{id} * 0x2545F4914F6CDD1DULL)) >> 11) *
               0x1.0p-53;
    of[id] = static_cast<uint32_t>(std::exp(lo + u * (hi - lo)));
  }
  sizes.resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) sizes[i] = of[ids[i]];
}

void Trace::AssignSizes(const SizeMix& mix, uint64_t seed) {
  std::vector<uint8_t> uses(universe, 0);  // saturating request counts
  for (uint32_t id : ids) uses[id] = static_cast<uint8_t>(uses[id] == 255 ? 255 : uses[id] + 1);
  const double cold_lo = std::log(static_cast<double>(mix.cold_min));
  const double cold_hi = std::log(static_cast<double>(mix.cold_max));
  std::vector<uint32_t> of(universe);
  for (uint32_t id = 0; id < universe; ++id) {
    if (mix.cold_share > 0 && uses[id] <= 2 && UnitOf(seed, id, 3) < mix.cold_share) {
      of[id] = static_cast<uint32_t>(std::exp(cold_lo + UnitOf(seed, id, 4) * (cold_hi - cold_lo)));
      continue;
    }
    // Box-Muller: a standard normal deviate from two uniforms.
    const double u1 = 1 - UnitOf(seed, id, 1);  // (0, 1]
    const double z =
        std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * UnitOf(seed, id, 2));
    const double v = static_cast<double>(mix.median) * std::exp(mix.sigma * z);
    of[id] = static_cast<uint32_t>(
        std::clamp(v, static_cast<double>(mix.min), static_cast<double>(mix.max)));
  }
  sizes.resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) sizes[i] = of[ids[i]];
}

Trace LoadTextTrace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  Trace t;
  t.name = path;
  std::unordered_map<std::string, uint32_t> dense;
  std::string line;
  bool any_size = false;
  std::vector<uint32_t> sizes;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string key;
    uint64_t size = 1;
    if (!(fields >> key)) continue;
    if (fields >> size) any_size = true;
    auto [it, fresh] = dense.try_emplace(key, static_cast<uint32_t>(dense.size()));
    t.ids.push_back(it->second);
    sizes.push_back(static_cast<uint32_t>(size == 0 ? 1 : size));
  }
  t.universe = static_cast<uint32_t>(dense.size());
  if (any_size) t.sizes = std::move(sizes);
  return t;
}

Trace LoadOracleGeneralTrace(const std::string& path, uint64_t max_requests) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  Trace t;
  t.name = path;
  std::unordered_map<uint64_t, uint32_t> dense;
  char rec[24];
  while (in.read(rec, sizeof(rec))) {
    uint32_t ts, size;
    uint64_t obj;
    std::memcpy(&ts, rec, 4);
    std::memcpy(&obj, rec + 4, 8);
    std::memcpy(&size, rec + 12, 4);
    auto [it, fresh] = dense.try_emplace(obj, static_cast<uint32_t>(dense.size()));
    t.ids.push_back(it->second);
    t.sizes.push_back(size == 0 ? 1 : size);
    t.times.push_back(ts);
    if (max_requests != 0 && t.ids.size() == max_requests) break;
  }
  if (in.gcount() != 0 && in.gcount() != static_cast<std::streamsize>(sizeof(rec))) {
    throw std::runtime_error(path + ": truncated record (not an oracleGeneral trace?)");
  }
  t.universe = static_cast<uint32_t>(dense.size());
  return t;
}

std::vector<uint32_t> NextUses(const Trace& trace) {
  std::vector<uint32_t> next(trace.size());
  std::vector<uint32_t> last(trace.universe, kNever);
  for (size_t i = trace.size(); i-- > 0;) {
    next[i] = last[trace.ids[i]];
    last[trace.ids[i]] = static_cast<uint32_t>(i);
  }
  return next;
}

}  // namespace cairn::hitratio
