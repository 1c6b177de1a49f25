// The ACL check's cost per command (Google Benchmark). Not a test: run it by hand, e.g.
//   build/bench/engine/acl_bench --benchmark_min_time=1
// Default: the dispatcher gate for a user with every permission (version compare + one flag).
// Restricted: a user "+@all -flushall ~key:* &*": one command bit and one key-pattern match per
// key (GET: one key, MSET: ten).
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "cairn/command/acl.h"
#include "cairn/command/command_table.h"

namespace cairn {
namespace {

struct Fixture {
  CommandTable table;
  Acl acl;
  Fixture() {
    RegisterAllCommands(table);
    acl.Bind(table);
    const std::vector<std::string_view> rules = {"on", ">pw", "+@all", "-flushall", "~key:*", "&*"};
    acl.SetUser("bench", rules);
  }
};

Fixture& Get() {
  static Fixture f;
  return f;
}

void BM_GateDefaultUser(benchmark::State& state) {
  Fixture& f = Get();
  ClientState client;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.acl.ClientUser(client).unrestricted);
  }
}
BENCHMARK(BM_GateDefaultUser);

void BM_CheckRestricted(benchmark::State& state, std::vector<std::string_view> args) {
  Fixture& f = Get();
  const auto user = f.acl.Find("bench");
  const CommandSpec* spec = f.table.Find(args[0]);
  size_t pos = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.acl.Check(*user, *spec, args, pos));
  }
}
BENCHMARK_CAPTURE(BM_CheckRestricted, get, {"get", "key:000000012345"});
BENCHMARK_CAPTURE(BM_CheckRestricted, set, {"set", "key:000000012345", "value"});
BENCHMARK_CAPTURE(BM_CheckRestricted, mset10,
                  {"mset",  "key:1", "v",     "key:2", "v",     "key:3",  "v",
                   "key:4", "v",     "key:5", "v",     "key:6", "v",      "key:7",
                   "v",     "key:8", "v",     "key:9", "v",     "key:10", "v"});

}  // namespace
}  // namespace cairn

BENCHMARK_MAIN();
