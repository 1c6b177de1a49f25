// Measured memory overhead per entry: (RSS after inserting N keys - RSS before) / N, minus the
// key and value bytes. Run: build/bench/engine/engine_overhead [N] [policy...]
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cairn/cache/cache_manager.h"

namespace {

long RssBytes() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, rss = 0;
  f >> pages >> rss;
  return rss * sysconf(_SC_PAGESIZE);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 1'000'000;
  std::vector<std::string> policies;
  for (int i = 2; i < argc; ++i) policies.emplace_back(argv[i]);
  if (policies.empty()) policies = {"lru", "fifo", "lfu"};
  const size_t key_len = 16, value_len = 32;
  std::printf("%-10s %10s %14s %12s %22s\n", "policy", "keys", "rss_delta_MB", "bytes/key",
              "overhead bytes/entry");
  for (const auto& policy : policies) {
    // One child process per policy, so memory freed by the previous run (and kept by the
    // allocator) cannot hide the next one's growth.
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid != 0) {
      int status = 0;
      waitpid(pid, &status, 0);
      continue;
    }
    const long before = RssBytes();
    auto cache = std::make_unique<cairn::CacheManager>(
        cairn::CacheOptions{.shards = 16, .eviction_policy = policy},
        cairn::SystemClock::Instance());
    char key[32];
    const std::string value(value_len, 'v');
    for (int i = 0; i < n; ++i) {
      std::snprintf(key, sizeof(key), "key:%012d", i);
      cache->Set(std::string_view(key, key_len), value);
    }
    const long after = RssBytes();
    const double per_key = static_cast<double>(after - before) / n;
    std::printf("%-10s %10d %14.1f %12.1f %22.1f\n", policy.c_str(), n,
                static_cast<double>(after - before) / 1e6, per_key,
                per_key - static_cast<double>(key_len + value_len));
    std::fflush(stdout);
    _exit(0);
  }
  return 0;
}
