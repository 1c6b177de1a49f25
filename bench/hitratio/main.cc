// hitratio: runs Cairn's real eviction policies over request traces and prints hit ratios per
// policy per cache size, against Belady's OPT. See bench/hitratio/README.md.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cairn/common/hash.h"
#include "cairn/eviction/registry.h"
#include "eviction/adaptive.h"
#include "eviction/s3fifo.h"
#include "eviction/tinylfu.h"
#include "generators.h"
#include "sim.h"
#include "trace.h"

namespace cairn::hitratio {
namespace {

// adaptive-<opt>-<opt>...: "f<n>" (epoch factor), "m<n>" (margin, hundredths of a point),
// "a<n>" (weight of the newest epoch, percent), "s<n>" (smallest shadow), "q<n>" (shadow entries
// per sqrt(capacity)), "r<n>" (minimum sampling rate), "u<n>" (warmup epochs), "g<n>" (migration
// step), "y<n>" (extra margin in byte mode), "G<n>" (weight of the floor-regret average, percent),
// "K<n>" (floor-regret gain, tenths), "e<n>" (lead that switches during warm-up, hundredths of a
// point), "T<n>" (floor tie, hundredths of a point), "x<a+b+...>" (experts, by registry name;
// tinylfu has a fixed window and a standby instance, as in the default).
std::unique_ptr<EvictionPolicy> MakeAdaptiveVariant(const std::string& name) {
  AdaptivePolicy::Tuning t;
  std::vector<AdaptivePolicy::Expert> experts = AdaptivePolicy::DefaultExperts();
  for (size_t pos = 9; pos < name.size();) {
    size_t end = std::min(name.find('-', pos), name.size());
    std::string opt = name.substr(pos, end - pos);
    pos = end + 1;
    if (opt.size() < 2) return nullptr;
    std::string v = opt.substr(1);
    switch (opt[0]) {
      case 'f':
        t.epoch_factor = std::stoul(v);
        break;
      case 'm':
        t.margin = std::stod(v) / 10000;
        break;
      case 'a':
        t.weight = std::stod(v) / 100;
        break;
      case 's':
        t.shadow_entries = std::stoul(v);
        break;
      case 'q':
        t.shadow_sqrt = std::stoul(v);
        break;
      case 'r':
        t.min_rate = std::stoul(v);
        break;
      case 'u':
        t.warmup_epochs = std::stoi(v);
        break;
      case 'g':
        t.migrate_step = std::stoi(v);
        break;
      case 'b':
        t.floor_margin = std::stod(v) / 10000;
        break;
      case 'G':
        t.gap_weight = std::stod(v) / 100;
        break;
      case 'K':
        t.gap_gain = std::stod(v) / 10;
        break;
      case 'e':
        t.early_lead = std::stod(v) / 10000;
        break;
      case 'T':
        t.floor_tie = std::stod(v) / 10000;
        break;
      case 'y':
        t.byte_margin = std::stod(v) / 10000;
        break;
      case 'x': {
        std::vector<AdaptivePolicy::Expert> chosen;
        for (size_t p = 0; p < v.size();) {
          size_t e = std::min(v.find('+', p), v.size());
          std::string expert = v.substr(p, e - p);
          p = e + 1;
          auto it = std::find_if(experts.begin(), experts.end(),
                                 [&](const auto& x) { return x.name == expert; });
          if (it != experts.end()) {
            chosen.push_back(*it);
          } else if (PolicyRegistry::Builtin().Create(expert) != nullptr) {
            chosen.push_back(
                {expert, [expert] { return PolicyRegistry::Builtin().Create(expert); }});
          } else {
            return nullptr;
          }
        }
        experts = std::move(chosen);
        break;
      }
      default:
        return nullptr;
    }
  }
  return std::make_unique<AdaptivePolicy>(std::move(experts), t);
}

// Registry names plus simulator-only variants, for comparison.
std::unique_ptr<EvictionPolicy> MakePolicy(const std::string& name) {
  if (name == "s3fifo-t1") return std::make_unique<S3FifoPolicy>(1);
  if (name.rfind("tinylfu-", 0) == 0) {
    // tinylfu-<opt>-<opt>...: "fixed" (no hill climbing), "w<percent>" (initial window),
    // "s<n>" (sketch halving every n x capacity increments).
    bool adaptive = true;
    double window = TinyLfuPolicy::kInitialWindow;
    size_t sample = eviction::FrequencySketch::kDefaultSampleFactor;
    for (size_t pos = 8; pos < name.size();) {
      size_t end = std::min(name.find('-', pos), name.size());
      std::string opt = name.substr(pos, end - pos);
      if (opt == "fixed") {
        adaptive = false;
      } else if (opt.size() > 1 && opt[0] == 'w') {
        window = std::stod(opt.substr(1)) / 100;
      } else if (opt.size() > 1 && opt[0] == 's') {
        sample = std::stoul(opt.substr(1));
      } else {
        return nullptr;
      }
      pos = end + 1;
    }
    return std::make_unique<TinyLfuPolicy>(adaptive, window, sample);
  }
  if (name.rfind("adaptive-", 0) == 0) return MakeAdaptiveVariant(name);
  return PolicyRegistry::Builtin().Create(name);
}

struct Options {
  std::vector<std::string> workloads = {"zipf:0.8", "zipf:1.0", "scan:0.9",  "shift:0.9",
                                        "loop:0.9", "web:0.9",  "multi:0.9", "drift:0.9"};
  std::vector<std::string> traces;
  std::string format = "auto";
  uint64_t max_requests = 0;
  std::vector<double> sizes = {0.01, 0.05, 0.10};
  std::vector<std::string> policies = {"lru",     "lfu",           "fifo",      "sieve",
                                       "slru",    "s3fifo",        "s3fifo-t1", "arc",
                                       "tinylfu", "tinylfu-fixed", "adaptive"};
  std::vector<std::string> contenders = {"lru", "sieve", "s3fifo", "tinylfu", "arc"};
  std::string default_policy = "adaptive";
  uint32_t keys = 200'000;
  size_t requests = 6'000'000;
  uint64_t seed = 1;
  bool bytes = false;
  std::string size_dist = "loguniform";  // synthetic object sizes in byte mode
  std::string metric = "auto";           // object or byte hit ratio (auto: byte with --bytes)
  bool opt = true;
  unsigned threads = 2;
  std::string csv;
  bool throughput = false;
  uint64_t hash_seed = 0;
};

// One trace at one cache size (loop workloads get one trace per size: the loop is sized to the
// cache).
struct Row {
  std::shared_ptr<const Trace> trace;
  std::string workload;
  double fraction;
  uint64_t capacity;
  std::vector<SimResult> results;  // per Options::policies
  SimResult opt;
};

std::vector<Row> BuildRows(const Options& o) {
  std::vector<Row> rows;
  auto add_rows = [&](std::shared_ptr<Trace> t, const std::string& label,
                      const std::vector<double>& fractions) {
    if (o.bytes && t->sizes.empty()) {
      if (o.size_dist == "loguniform") {
        t->AssignSizes(64, 16 * 1024, o.seed);
      } else {
        SizeMix mix;
        if (o.size_dist == "lognormal-cold") mix.cold_share = 0.05;
        t->AssignSizes(mix, o.seed);
      }
    }
    uint64_t total = o.bytes ? t->UniqueBytes() : t->universe;
    for (double f : fractions) {
      uint64_t cap = std::max<uint64_t>(1, static_cast<uint64_t>(f * static_cast<double>(total)));
      rows.push_back(Row{t, label, f, cap, {}, {}});
    }
  };
  for (const std::string& path : o.traces) {
    bool oracle = o.format == "oracle" ||
                  (o.format == "auto" && path.find("oracleGeneral") != std::string::npos);
    auto t = std::make_shared<Trace>(oracle ? LoadOracleGeneralTrace(path, o.max_requests)
                                            : LoadTextTrace(path));
    add_rows(t, path.substr(path.find_last_of('/') + 1), o.sizes);
  }
  if (!o.traces.empty()) return rows;
  for (const std::string& spec : o.workloads) {
    if (spec.rfind("loop", 0) == 0) {
      for (double f : o.sizes) {
        auto t = std::make_shared<Trace>(GenerateWorkload(spec, o.keys, o.requests, o.seed, f));
        add_rows(t, t->name, {f});
      }
    } else {
      auto t = std::make_shared<Trace>(GenerateWorkload(spec, o.keys, o.requests, o.seed, 0));
      add_rows(t, t->name, o.sizes);
    }
  }
  return rows;
}

void RunAll(const Options& o, std::vector<Row>& rows) {
  struct Task {
    size_t row;
    int policy;  // -1: OPT
  };
  std::vector<Task> tasks;
  for (size_t r = 0; r < rows.size(); ++r) {
    rows[r].results.resize(o.policies.size());
    if (o.opt) tasks.push_back({r, -1});
    for (size_t p = 0; p < o.policies.size(); ++p) tasks.push_back({r, static_cast<int>(p)});
  }
  std::map<const Trace*, std::vector<uint32_t>> next_uses;
  if (o.opt) {
    for (const Row& row : rows) {
      if (!next_uses.count(row.trace.get())) next_uses[row.trace.get()] = NextUses(*row.trace);
    }
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::string error;
  std::mutex error_mu;
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < tasks.size() && !failed;) {
      const Task& task = tasks[i];
      Row& row = rows[task.row];
      try {
        if (task.policy < 0) {
          row.opt = SimulateOpt(*row.trace, next_uses.at(row.trace.get()), row.capacity, o.bytes);
        } else {
          auto policy = MakePolicy(o.policies[task.policy]);
          row.results[task.policy] = Simulate(*policy, *row.trace, row.capacity, o.bytes);
        }
      } catch (const std::exception& ex) {
        std::lock_guard lock(error_mu);
        error = ex.what();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1u, o.threads); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failed) throw std::runtime_error(error);
}

int IndexOf(const Options& o, const std::string& name) {
  auto it = std::find(o.policies.begin(), o.policies.end(), name);
  return it == o.policies.end() ? -1 : static_cast<int>(it - o.policies.begin());
}

bool ByteRatio(const Options& o) { return o.metric == "byte" || (o.metric == "auto" && o.bytes); }

double Ratio(const Options& o, const SimResult& r) {
  return 100 * (ByteRatio(o) ? r.ByteHitRatio() : r.HitRatio());
}

void PrintTable(const Options& o, const std::vector<Row>& rows) {
  const int def = IndexOf(o, o.default_policy);
  const int lru = IndexOf(o, "lru");
  std::printf("hit ratio %% (%s capacity%s%s, %s)\n", o.bytes ? "byte" : "object",
              o.bytes && o.traces.empty() ? ", sizes " : "",
              o.bytes && o.traces.empty() ? o.size_dist.c_str() : "",
              ByteRatio(o) ? "byte hit ratio" : "object hit ratio");
  std::printf("%-12s %5s %9s", "workload", "size", "capacity");
  for (const auto& p : o.policies) std::printf(" %8.8s", p.c_str());
  if (o.opt) std::printf(" %8s", "OPT");
  std::printf(" | %7s %7s %7s\n", "d-best", "d-lru", "OPT-d");
  double worst_gap = 1e9, sum_gap = 0;
  int gap_rows = 0, below_lru = 0;
  for (const Row& row : rows) {
    std::printf("%-12s %4.0f%% %9llu", row.workload.c_str(), row.fraction * 100,
                static_cast<unsigned long long>(row.capacity));
    for (const SimResult& r : row.results) std::printf(" %8.2f", Ratio(o, r));
    if (o.opt) std::printf(" %8.2f", Ratio(o, row.opt));
    double best3 = -1;
    for (const auto& c : o.contenders) {
      int i = IndexOf(o, c);
      if (i >= 0) best3 = std::max(best3, Ratio(o, row.results[i]));
    }
    if (def >= 0) {
      double d = Ratio(o, row.results[def]);
      std::printf(" | %+7.2f", best3 >= 0 ? d - best3 : 0.0);
      std::printf(" %+7.2f", lru >= 0 ? d - Ratio(o, row.results[lru]) : 0.0);
      std::printf(" %7.2f", o.opt ? Ratio(o, row.opt) - d : 0.0);
      if (best3 >= 0) worst_gap = std::min(worst_gap, d - best3);
      if (best3 >= 0) sum_gap += d - best3, ++gap_rows;
      if (lru >= 0 && d < Ratio(o, row.results[lru])) ++below_lru;
    }
    std::printf("\n");
  }
  std::printf("\nd = default policy '%s'; best = best of {", o.default_policy.c_str());
  for (size_t i = 0; i < o.contenders.size(); ++i) {
    std::printf("%s%s", i ? ", " : "", o.contenders[i].c_str());
  }
  std::printf("}; worst d-best = %+.2f points, mean %+.2f; rows below lru: %d\n", worst_gap,
              gap_rows > 0 ? sum_gap / gap_rows : 0.0, below_lru);
  std::printf("\nsimulation speed (M requests per CPU second, over all rows):\n");
  for (size_t p = 0; p < o.policies.size(); ++p) {
    double reqs = 0, secs = 0;
    size_t meta = 0;
    for (const Row& row : rows) {
      reqs += static_cast<double>(row.results[p].requests);
      secs += row.results[p].cpu_seconds;
      meta = std::max(meta, row.results[p].metadata_bytes);
    }
    std::printf("  %-14s %6.1f   (max policy metadata %zu bytes)\n", o.policies[p].c_str(),
                secs > 0 ? reqs / secs / 1e6 : 0.0, meta);
  }
}

void WriteCsv(const Options& o, const std::vector<Row>& rows) {
  std::ofstream out(o.csv);
  out << "workload,fraction,capacity,policy,requests,hits,hit_ratio,byte_hit_ratio,seconds\n";
  for (const Row& row : rows) {
    auto line = [&](const std::string& name, const SimResult& r) {
      out << row.workload << ',' << row.fraction << ',' << row.capacity << ',' << name << ','
          << r.requests << ',' << r.hits << ',' << r.HitRatio() << ',' << r.ByteHitRatio() << ','
          << r.seconds << '\n';
    };
    for (size_t p = 0; p < o.policies.size(); ++p) line(o.policies[p], row.results[p]);
    if (o.opt) line("OPT", row.opt);
  }
}

// Every request a miss and (once full) an eviction: the policy's cost on the write path.
void RunThroughput(const Options& o) {
  const uint32_t capacity = 100'000;
  Trace t;
  t.name = "all-miss";
  t.ids.resize(o.requests);
  for (size_t i = 0; i < o.requests; ++i) t.ids[i] = static_cast<uint32_t>(i);
  t.universe = static_cast<uint32_t>(o.requests);
  std::printf("every request a miss that evicts (%zu requests, capacity %u objects, CPU time)\n",
              o.requests, capacity);
  double lru_rate = 0;
  for (const std::string& name : o.policies) {
    double best = 0;
    for (int round = 0; round < 3; ++round) {  // best of 3: the machine is shared
      auto policy = MakePolicy(name);
      SimResult r = Simulate(*policy, t, capacity, false);
      best = std::max(best, static_cast<double>(r.requests) / r.cpu_seconds);
    }
    if (name == "lru") lru_rate = best;
    std::printf("  %-14s %8.2f M ops/s   x%.2f of lru\n", name.c_str(), best / 1e6,
                lru_rate > 0 ? best / lru_rate : 0.0);
  }
}

}  // namespace
}  // namespace cairn::hitratio

int main(int argc, char** argv) {
  using namespace cairn::hitratio;
  Options o;
  CLI::App app{"Hit ratios of Cairn's eviction policies over traces, against Belady's OPT"};
  app.add_option("-w,--workloads", o.workloads,
                 "synthetic workloads kind:alpha (zipf, scan, shift, loop, web, multi, drift)")
      ->delimiter(',');
  app.add_option("-t,--trace", o.traces, "trace files (replace the synthetic workloads)");
  app.add_option("--format", o.format, "trace format: auto, text, oracle")
      ->check(CLI::IsMember({"auto", "text", "oracle"}));
  app.add_option("--max-requests", o.max_requests, "read at most this many requests per trace");
  app.add_option("-s,--sizes", o.sizes, "cache sizes, fractions of unique objects (or bytes)")
      ->delimiter(',');
  app.add_option("-p,--policies", o.policies, "policies to run")->delimiter(',');
  app.add_option("--contenders", o.contenders, "policies the default is compared with")
      ->delimiter(',');
  app.add_option("-d,--default", o.default_policy, "the policy judged against the contenders");
  app.add_option("-k,--keys", o.keys, "synthetic: zipf key count");
  app.add_option("-n,--requests", o.requests, "synthetic: requests per trace");
  app.add_option("--seed", o.seed, "synthetic: generator seed");
  app.add_flag("--bytes", o.bytes,
               "capacity in bytes (synthetic objects get log-uniform sizes in [64, 16384])");
  app.add_option("--size-dist", o.size_dist,
                 "synthetic sizes with --bytes: loguniform ([64, 16384]), lognormal (median 1 KiB, "
                 "sigma 1), lognormal-cold (the same, and 5% of the objects read at most twice "
                 "are 64 KiB-1 MiB)")
      ->check(CLI::IsMember({"loguniform", "lognormal", "lognormal-cold"}));
  app.add_option("--metric", o.metric,
                 "hit ratio reported: object, byte, auto (byte with --bytes, else object)")
      ->check(CLI::IsMember({"auto", "object", "byte"}));
  app.add_flag("!--no-opt", o.opt, "skip Belady's OPT");
  app.add_option("-j,--threads", o.threads, "parallel simulations");
  app.add_option("--csv", o.csv, "also write every result to this CSV file");
  app.add_flag("--throughput", o.throughput,
               "measure policy cost instead: every request a miss that evicts");
  app.add_option("--hash-seed", o.hash_seed,
                 "key the key hash as cairn-server does (SeedKeyHash); 0: unkeyed, the default");
  CLI11_PARSE(app, argc, argv);
  // The server draws a random 64-bit seed; small seeds given here are spread over 64 bits first
  // (splitmix64), so that seeds 1, 2, 3 ... are independent draws: XXH3's secret from a seed
  // adds and subtracts it word by word, and small neighbouring seeds gave equal hashes of the
  // traces' 8-byte ids (seeds s and 30 - s simulated identically).
  const uint64_t mixed = cairn::hitratio::SplitMix(o.hash_seed);
  cairn::SeedKeyHash(o.hash_seed == 0 ? 0 : (mixed == 0 ? 1 : mixed));
  try {
    for (const auto& p : o.policies) {
      if (MakePolicy(p) == nullptr) throw std::runtime_error("unknown policy '" + p + "'");
    }
    if (o.throughput) {
      RunThroughput(o);
      return 0;
    }
    std::vector<Row> rows = BuildRows(o);
    RunAll(o, rows);
    PrintTable(o, rows);
    if (!o.csv.empty()) WriteCsv(o, rows);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "hitratio: %s\n", ex.what());
    return 1;
  }
  return 0;
}
