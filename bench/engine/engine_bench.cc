// Engine throughput per policy (Google Benchmark). Not a test: run it by hand, e.g.
//   build/bench/engine/engine_bench --benchmark_min_time=1
// Fixtures hold 1M resident keys (16-byte keys, 32-byte values).
#include <benchmark/benchmark.h>

#include <memory>
#include <random>

#include "cairn/cache/cache_manager.h"

namespace cairn {
namespace {

constexpr int kKeys = 1'000'000;

std::string Key(uint64_t i) {
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "key:%012llu", static_cast<unsigned long long>(i));
  return std::string(buf, static_cast<size_t>(n));
}

const std::vector<std::string>& Keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    k.reserve(kKeys);
    for (int i = 0; i < kKeys; ++i) k.push_back(Key(static_cast<uint64_t>(i)));
    return k;
  }();
  return keys;
}

std::unique_ptr<CacheManager> Filled(const std::string& policy, uint64_t max_items = 0) {
  auto c = std::make_unique<CacheManager>(
      CacheOptions{.shards = 16, .max_items = max_items, .eviction_policy = policy},
      SystemClock::Instance());
  const std::string value(32, 'v');
  for (const auto& k : Keys()) c->Set(k, value);
  return c;
}

void BM_Get(benchmark::State& state, std::string policy) {
  static std::map<std::string, std::unique_ptr<CacheManager>> caches;
  if (state.thread_index() == 0 && !caches.count(policy)) caches[policy] = Filled(policy);
  CacheManager& c = *caches[policy];
  std::mt19937_64 rng(state.thread_index() + 1);
  const auto& keys = Keys();
  size_t bytes = 0;
  for (auto _ : state) {
    c.Get(keys[rng() % kKeys], [&](const Entry& e) { bytes += e.value_len(); });
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations());
}

void BM_Set(benchmark::State& state, std::string policy) {
  static std::map<std::string, std::unique_ptr<CacheManager>> caches;
  if (state.thread_index() == 0 && !caches.count(policy)) caches[policy] = Filled(policy);
  CacheManager& c = *caches[policy];
  std::mt19937_64 rng(state.thread_index() + 7);
  const auto& keys = Keys();
  const std::string value(32, 'w');
  for (auto _ : state) c.Set(keys[rng() % kKeys], value);
  state.SetItemsProcessed(state.iterations());
}

// Every SET inserts a new key into a full cache, so every SET evicts.
void BM_SetEvicting(benchmark::State& state, std::string policy) {
  auto c = std::make_unique<CacheManager>(
      CacheOptions{.shards = 16, .max_items = 100'000, .eviction_policy = policy},
      SystemClock::Instance());
  const auto& keys = Keys();
  const std::string value(32, 'v');
  size_t i = 0;
  for (auto _ : state) {
    c->Set(keys[i], value);
    if (++i == keys.size()) i = 0;
  }
  state.counters["evictions"] = static_cast<double>(c->Stats().evictions);
  state.SetItemsProcessed(state.iterations());
}

void RegisterAll() {
  for (const char* p : {"lru", "lfu", "fifo"}) {
    benchmark::RegisterBenchmark((std::string("Get/") + p).c_str(), BM_Get, std::string(p))
        ->Threads(1)
        ->Threads(2);
    benchmark::RegisterBenchmark((std::string("Set/") + p).c_str(), BM_Set, std::string(p))
        ->Threads(1)
        ->Threads(2);
    benchmark::RegisterBenchmark((std::string("SetEvicting/") + p).c_str(), BM_SetEvicting,
                                 std::string(p));
  }
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::RegisterAll();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
