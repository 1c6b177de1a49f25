// evict_throughput: SET-heavy eviction through the real engine, per policy. Every SET inserts a
// new key into a full CacheManager (16 shards, max-items 100 000, 16-byte keys, 32-byte values),
// so every SET evicts; ops/s per policy and the ratio to lru (median of --rounds interleaved
// rounds, one thread).
// Time is the measuring thread's CPU time, so other processes on the machine do not count.
//   build/bench/hitratio/evict_throughput [--requests N] [--rounds R] [--policies a,b,...]
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/common/clock.h"
#include "cairn/eviction/registry.h"

namespace {
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace cairn;
  size_t requests = 2'000'000;
  int rounds = 5;
  uint64_t capacity = 100'000;
  std::vector<std::string> policies;
  for (const std::string& p : PolicyRegistry::Builtin().Names()) {
    if (p != "noeviction") policies.push_back(p);
  }
  CLI::App app{"SET-heavy eviction throughput per policy, through CacheManager"};
  app.add_option("-n,--requests", requests, "SETs per round");
  app.add_option("-r,--rounds", rounds, "rounds per policy, interleaved (the median is reported)");
  app.add_option("-c,--capacity", capacity, "max-items");
  app.add_option("-p,--policies", policies, "policies")->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  const size_t total = capacity + requests;
  std::vector<std::string> keys;
  keys.reserve(total);
  char buf[32];
  for (size_t i = 0; i < total; ++i) {
    int n = std::snprintf(buf, sizeof(buf), "key:%012zu", i);
    keys.emplace_back(buf, static_cast<size_t>(n));
  }
  const std::string value(32, 'v');
  std::printf("every SET evicts: %zu SETs into a full cache of %llu items, 16 shards (CPU time)\n",
              requests, static_cast<unsigned long long>(capacity));
  // Rounds interleave the policies (lru, lfu, ..., lru, lfu, ...) so that drift on a shared
  // machine hits them alike; each policy's median round is reported.
  std::vector<std::vector<double>> rates(policies.size());
  for (int r = 0; r < rounds; ++r) {
    for (size_t p = 0; p < policies.size(); ++p) {
      CacheManager c({.shards = 16, .max_items = capacity, .eviction_policy = policies[p]},
                     SystemClock::Instance());
      for (size_t i = 0; i < capacity; ++i) c.Set(keys[i], value);
      double start = ThreadCpuSeconds();
      for (size_t i = capacity; i < total; ++i) c.Set(keys[i], value);
      double s = ThreadCpuSeconds() - start;
      if (c.Stats().evictions < requests) {
        std::fprintf(stderr, "%s: only %llu evictions\n", policies[p].c_str(),
                     static_cast<unsigned long long>(c.Stats().evictions));
        return 1;
      }
      rates[p].push_back(static_cast<double>(requests) / s);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  double lru_rate = 0;
  for (size_t p = 0; p < policies.size(); ++p) {
    if (policies[p] == "lru") lru_rate = median(rates[p]);
  }
  for (size_t p = 0; p < policies.size(); ++p) {
    double m = median(rates[p]);
    std::printf("  %-10s %6.2f M SET/s   x%.2f of lru\n", policies[p].c_str(), m / 1e6,
                lru_rate > 0 ? m / lru_rate : 0.0);
  }
  return 0;
}
