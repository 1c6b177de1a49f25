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
  throw std::invalid_argument("unknown workload '" + kind + "' (zipf, scan, shift, loop)");
}

}  // namespace cairn::hitratio
