// flush_order_bench: what the order of a write-back flush costs in RocksDB, through cairn's own
// store (StoreTier -> RocksDbStore: record codec, write batch, WAL, memtable).
//
// Each round dirties ROUND_KEYS random keys out of KEY_SPACE and writes them the way a flush
// would: in batches of BATCH keys, each batch a random sample of the keys sorted by key (as one
// shard's batch was), or in passes of PASS keys sorted by key (as CacheManager::FlushDirty
// writes now). Prints the writer thread's CPU time per key, after the memtable has filled.
//
//   build/bench/persistence/flush_order_bench [KEY_SPACE] [ROUND_KEYS] [ROUNDS]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cairn/common/clock.h"
#include "cairn/persistence/rocksdb_store.h"
#include "cairn/persistence/store_tier.h"

namespace {

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// ns of writer CPU per key for one layout; `chunk`: keys sorted together, `batch`: keys per
// tier write.
double Run(size_t key_space, size_t round_keys, size_t rounds, size_t chunk, size_t batch) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("cairn-flush-order-" + std::to_string(::getpid())))
          .string();
  std::filesystem::remove_all(dir);
  cairn::SystemClock clock;
  auto store = cairn::RocksDbStore::Open({.path = dir}, clock);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  cairn::StoreTier tier(**store);
  std::mt19937_64 rng(42);
  const std::string value(64, 'v');
  double cpu = 0;
  size_t measured = 0;
  for (size_t r = 0; r < rounds; ++r) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < round_keys; ++i)
      keys.push_back("key:" + std::to_string(rng() % key_space));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());  // a flush coalesces
    std::shuffle(keys.begin(), keys.end(), rng);
    std::vector<cairn::TierWrite> writes;
    writes.reserve(keys.size());
    for (const std::string& k : keys) writes.push_back({k, value, 0, r + 1, false});
    for (size_t i = 0; i < writes.size(); i += chunk) {
      const auto end =
          writes.begin() + static_cast<std::ptrdiff_t>(std::min(writes.size(), i + chunk));
      std::sort(writes.begin() + static_cast<std::ptrdiff_t>(i), end,
                [](const cairn::TierWrite& a, const cairn::TierWrite& b) { return a.key < b.key; });
    }
    const double t0 = ThreadCpuSeconds();
    for (size_t i = 0; i < writes.size(); i += batch) {
      const size_t n = std::min(batch, writes.size() - i);
      if (cairn::Status st = tier.Write({writes.data() + i, n}); !st.ok()) {
        std::fprintf(stderr, "write: %s\n", st.ToString().c_str());
        std::exit(1);
      }
    }
    if (r >= rounds / 4) {  // skip the rounds that fill an empty memtable
      cpu += ThreadCpuSeconds() - t0;
      measured += writes.size();
    }
  }
  store->reset();
  std::filesystem::remove_all(dir);
  return cpu / static_cast<double>(measured) * 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t key_space = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const size_t round_keys = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100'000;
  const size_t rounds = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 16;
  std::printf("key space %zu, %zu keys per round, %zu rounds, 64 B values\n", key_space, round_keys,
              rounds);
  std::printf("%-40s %12s\n", "layout", "ns/key");
  const struct {
    const char* name;
    size_t chunk, batch;
  } layouts[] = {
      {"shard batches of 256, each sorted", 256, 256},
      {"sorted passes of 4096 (16 x 256)", 4096, 4096},
      {"sorted passes of 16384 (16 x 1024)", 16384, 16384},
      {"whole round sorted", SIZE_MAX, 16384},
  };
  for (const auto& l : layouts) {
    std::printf("%-40s %12.0f\n", l.name, Run(key_space, round_keys, rounds, l.chunk, l.batch));
    std::fflush(stdout);
  }
}
