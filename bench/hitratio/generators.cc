#include "generators.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace cairn::hitratio {
namespace {

// log1p(x)/x and expm1(x)/x, stable near 0.
double Helper1(double x) {
  return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}
double Helper2(double x) {
  return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

double Uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::vector<uint32_t> Permutation(uint32_t n, std::mt19937_64& rng) {
  std::vector<uint32_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  std::shuffle(p.begin(), p.end(), rng);
  return p;
}

// Renumbers ids densely in order of first appearance and sets the universe.
void Densify(Trace& t, uint32_t id_space) {
  std::vector<uint32_t> map(id_space, kNever);
  uint32_t next = 0;
  for (uint32_t& id : t.ids) {
    if (map[id] == kNever) map[id] = next++;
    id = map[id];
  }
  t.universe = next;
}

std::string Fmt(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

ZipfSampler::ZipfSampler(uint64_t n, double s) : n_(n), s_(s) {
  h_integral_x1_ = HIntegral(1.5) - 1;
  h_integral_n_ = HIntegral(static_cast<double>(n) + 0.5);
  s_tmp_ = 2 - HIntegralInverse(HIntegral(2.5) - H(2));
}

double ZipfSampler::H(double x) const { return std::exp(-s_ * std::log(x)); }

double ZipfSampler::HIntegral(double x) const {
  double log_x = std::log(x);
  return Helper2((1 - s_) * log_x) * log_x;
}

double ZipfSampler::HIntegralInverse(double x) const {
  double t = std::max(-1.0, x * (1 - s_));
  return std::exp(Helper1(t) * x);
}

uint64_t ZipfSampler::Sample(std::mt19937_64& rng) const {
  for (;;) {
    double u = h_integral_n_ + Uniform(rng) * (h_integral_x1_ - h_integral_n_);
    double x = HIntegralInverse(u);
    auto k = static_cast<uint64_t>(std::clamp(x + 0.5, 1.0, static_cast<double>(n_)));
    if (static_cast<double>(k) - x <= s_tmp_ ||
        u >= HIntegral(static_cast<double>(k) + 0.5) - H(static_cast<double>(k))) {
      return k;
    }
  }
}

Trace GenerateZipf(uint32_t keys, double alpha, size_t requests, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ZipfSampler zipf(keys, alpha);
  std::vector<uint32_t> perm = Permutation(keys, rng);
  Trace t;
  t.name = "zipf-" + Fmt(alpha);
  t.ids.reserve(requests);
  for (size_t i = 0; i < requests; ++i) t.ids.push_back(perm[zipf.Sample(rng) - 1]);
  Densify(t, keys);
  return t;
}

Trace GenerateScan(uint32_t keys, double alpha, size_t requests, size_t period, size_t scan_len,
                   uint64_t seed) {
  std::mt19937_64 rng(seed);
  ZipfSampler zipf(keys, alpha);
  std::vector<uint32_t> perm = Permutation(keys, rng);
  size_t scans = requests / (period + scan_len) + 1;
  Trace t;
  t.name = "scan-" + Fmt(alpha);
  t.ids.reserve(requests);
  uint32_t next_cold = keys;
  while (t.ids.size() < requests) {
    for (size_t i = 0; i < period && t.ids.size() < requests; ++i) {
      t.ids.push_back(perm[zipf.Sample(rng) - 1]);
    }
    for (size_t i = 0; i < scan_len && t.ids.size() < requests; ++i) t.ids.push_back(next_cold++);
  }
  Densify(t, keys + static_cast<uint32_t>(scans * scan_len));
  return t;
}

Trace GenerateShift(uint32_t keys, double alpha, size_t requests, size_t period, uint32_t hop,
                    uint64_t seed) {
  std::mt19937_64 rng(seed);
  ZipfSampler zipf(keys, alpha);
  std::vector<uint32_t> perm = Permutation(keys, rng);
  Trace t;
  t.name = "shift-" + Fmt(alpha);
  t.ids.reserve(requests);
  for (size_t i = 0; i < requests; ++i) {
    uint64_t phase = i / period;
    // Phase p maps rank r to perm[(r - 1 - p * hop) mod keys]: the new hottest keys are the
    // previous phase's coldest.
    uint64_t shift = (phase * hop) % keys;
    uint64_t slot = (zipf.Sample(rng) - 1 + keys - shift) % keys;
    t.ids.push_back(perm[slot]);
  }
  Densify(t, keys);
  return t;
}

Trace GenerateLoop(uint32_t keys, double alpha, size_t requests, uint32_t loop_len,
                   double loop_share, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ZipfSampler zipf(keys, alpha);
  std::vector<uint32_t> perm = Permutation(keys, rng);
  Trace t;
  t.name = "loop-" + Fmt(alpha);
  t.ids.reserve(requests);
  uint32_t pos = 0;
  for (size_t i = 0; i < requests; ++i) {
    if (Uniform(rng) < loop_share) {
      t.ids.push_back(keys + pos);
      pos = pos + 1 == loop_len ? 0 : pos + 1;
    } else {
      t.ids.push_back(perm[zipf.Sample(rng) - 1]);
    }
  }
  Densify(t, keys + loop_len);
  return t;
}

Trace GenerateWeb(uint32_t keys, double alpha, size_t requests, double new_share,
                  double burst_share, size_t burst_window, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ZipfSampler zipf(keys, alpha);
  std::vector<uint32_t> perm = Permutation(keys, rng);
  std::vector<uint32_t> recent(std::max<size_t>(1, burst_window), 0);
  Trace t;
  t.name = "web-" + Fmt(alpha);
  t.ids.reserve(requests);
  uint32_t next_new = keys;
  for (size_t i = 0; i < requests; ++i) {
    double u = Uniform(rng);
    uint32_t id;
    if (u < new_share) {
      id = next_new++;
    } else if (u < new_share + burst_share && i > 0) {
      id = recent[rng() % std::min(i, recent.size())];
    } else {
      id = perm[zipf.Sample(rng) - 1];
    }
    recent[i % recent.size()] = id;
    t.ids.push_back(id);
  }
  Densify(t, next_new);
  return t;
}

Trace GenerateMulti(uint32_t keys, double alpha, size_t requests, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ZipfSampler zipf(keys, alpha);
  std::vector<uint32_t> perm = Permutation(keys, rng);
  // Programs: a Zipf-distributed random reader, two loops (2% and 8% of the keys, disjoint from
  // the Zipf keys), and a sequential reader of never-seen blocks. Each runs a burst of 50-200
  // requests before the scheduler picks the next one (weights 40/25/25/10).
  const uint32_t loop_a = std::max<uint32_t>(1, keys / 50);
  const uint32_t loop_b = std::max<uint32_t>(1, keys / 12);
  const double weights[] = {0.40, 0.25, 0.25, 0.10};
  uint32_t pos_a = 0, pos_b = 0, next_new = keys + loop_a + loop_b;
  Trace t;
  t.name = "multi-" + Fmt(alpha);
  t.ids.reserve(requests);
  while (t.ids.size() < requests) {
    double u = Uniform(rng);
    int program = 0;
    double acc = weights[0];
    while (program < 3 && u >= acc) acc += weights[++program];
    size_t burst = 50 + rng() % 151;
    for (size_t i = 0; i < burst && t.ids.size() < requests; ++i) {
      switch (program) {
        case 0:
          t.ids.push_back(perm[zipf.Sample(rng) - 1]);
          break;
        case 1:
          t.ids.push_back(keys + pos_a);
          pos_a = pos_a + 1 == loop_a ? 0 : pos_a + 1;
          break;
        case 2:
          t.ids.push_back(keys + loop_a + pos_b);
          pos_b = pos_b + 1 == loop_b ? 0 : pos_b + 1;
          break;
        default:
          t.ids.push_back(next_new++);
      }
    }
  }
  Densify(t, next_new);
  return t;
}

Trace GenerateDrift(uint32_t keys, double alpha, size_t requests, double burst_share,
                    size_t burst_window, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ZipfSampler zipf(keys, alpha);
  std::vector<uint32_t> perm = Permutation(keys, rng);
  std::vector<uint32_t> recent(std::max<size_t>(1, burst_window), 0);
  Trace t;
  t.name = "drift-" + Fmt(alpha);
  t.ids.reserve(requests);
  for (size_t i = 0; i < requests; ++i) {
    uint32_t id;
    if (Uniform(rng) < burst_share && i > 0) {
      id = recent[rng() % std::min(i, recent.size())];
    } else {
      // The ranking slides continuously: over the trace, every key is the hottest once.
      uint64_t shift = static_cast<uint64_t>(static_cast<double>(i) / requests * keys);
      id = perm[(zipf.Sample(rng) - 1 + keys - shift) % keys];
    }
    recent[i % recent.size()] = id;
    t.ids.push_back(id);
  }
  Densify(t, keys);
  return t;
}

Trace GenerateWorkload(const std::string& spec, uint32_t keys, size_t requests, uint64_t seed,
                       double fraction) {
  auto colon = spec.find(':');
  std::string kind = spec.substr(0, colon);
  double alpha = colon == std::string::npos ? 0.9 : std::stod(spec.substr(colon + 1));
  if (kind == "zipf") return GenerateZipf(keys, alpha, requests, seed);
  if (kind == "scan") return GenerateScan(keys, alpha, requests, keys, keys / 10, seed);
  if (kind == "shift") {
    return GenerateShift(keys, alpha, requests, std::max<size_t>(1, requests / 12), keys / 10,
                         seed);
  }
  if (kind == "loop") {
    if (fraction <= 0 || fraction >= 0.9) throw std::invalid_argument("loop: bad cache fraction");
    // L = 1.1 f (keys + L): the loop is 1.1 x a cache of `fraction` of all keys.
    double l = 1.1 * fraction * keys / (1 - 1.1 * fraction);
    return GenerateLoop(keys, alpha, requests, static_cast<uint32_t>(l), 0.3, seed);
  }
  if (kind == "web") return GenerateWeb(keys, alpha, requests, 0.15, 0.35, keys / 100, seed);
  if (kind == "multi") return GenerateMulti(keys, alpha, requests, seed);
  if (kind == "drift") return GenerateDrift(keys, alpha, requests, 0.5, keys / 100, seed);
  throw std::invalid_argument("unknown workload '" + kind +
                              "' (zipf, scan, shift, loop, web, multi, drift)");
}

}  // namespace cairn::hitratio
