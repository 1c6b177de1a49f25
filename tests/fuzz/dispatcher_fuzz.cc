// The command layer end to end: the real command table and Dispatcher over a real CacheManager
// (on a ManualClock), with pub/sub, keyspace notifications, SLOWLOG, MONITOR and the CONFIG
// parameters wired as in main.cc and a fake ServerContext. Input: a setup byte (eviction policy,
// memory limit, notifications), then a stream of commands in RESP or inline form, parsed by the
// real RespParser. Keys are mapped onto eight names so that commands meet each other's keys; `TICK
// <ms>` advances the clock. Every reply must be well-formed RESP, and a client whose replies are on
// gets one. Commands that sleep, stop the process, touch the filesystem or the network (MIGRATE)
// are skipped.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/command_table.h"
#include "cairn/command/dispatcher.h"
#include "cairn/command/observability.h"
#include "cairn/common/clock.h"
#include "cairn/common/strings.h"
#include "cairn/config/config_params.h"
#include "cairn/config/config_registry.h"
#include "cairn/events/event_bus.h"
#include "cairn/observability/keyspace_notifier.h"
#include "cairn/observability/slowlog.h"
#include "cairn/protocol/resp_parser.h"
#include "cairn/pubsub/monitor_feed.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "resp_check.h"

namespace cairn {
namespace {

constexpr size_t kMaxCommands = 64;

class FakeServer final : public ServerContext {
 public:
  ConfigRegistry& config() override { return config_; }
  ServerCounters& counters() override { return counters_; }
  const std::string& requirepass() const override { return requirepass_; }
  int64_t start_time_ms() const override { return 0; }
  uint16_t port() const override { return 6379; }
  size_t connected_clients() const override { return 2; }
  // Small, so that SETRANGE / APPEND cannot ask for 512 MB per input.
  uint64_t proto_max_bulk_len() const override { return 1 << 20; }
  std::string ClientList(std::span<const uint64_t>) const override { return {}; }
  std::string ClientInfo(const ClientState&) const override { return {}; }
  size_t KillClients(const std::function<bool(const ClientState&)>&) override { return 0; }
  void RequestShutdown() override {}
  Observability* observability() override { return observability_; }

  std::string requirepass_;
  Observability* observability_ = nullptr;
  ConfigRegistry config_;
  ServerCounters counters_;
};

class CountingSubscriber final : public Subscriber {
 public:
  bool Deliver(MessageKind, std::string_view, std::string_view, std::string_view) override {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

 private:
  std::atomic<size_t> delivered_{0};
};

// What one fuzz input runs against: built fresh per input, so that a crash reproduces alone.
struct World {
  explicit World(uint8_t setup) : cache(Options(setup), clock) {
    obs.pubsub = &hub;
    obs.notifier = &notifier;
    obs.slowlog = &slowlog;
    obs.monitors = &monitors;
    server.observability_ = &obs;
    for (size_t i = 0; i < 2; ++i) {
      clients[i].id = i + 1;
      clients[i].addr = "127.0.0.1:" + std::to_string(4000 + i);
      clients[i].subscriber = &subscribers[i];
    }
    cfg.maxmemory = Options(setup).max_bytes;
    cfg.max_items = Options(setup).max_items;
    cfg.eviction_policy = Options(setup).eviction_policy;
    cfg.slowlog_log_slower_than = -1;
    cfg.slowlog_max_len = 16;
    if ((setup & 0x40) != 0) {
      cfg.notify_keyspace_events =
          kNotifyAll | kNotifyKeyspace | kNotifyKeyevent | kNotifyKeyMiss | kNotifyNew;
      notifier.SetFlags(cfg.notify_keyspace_events);
    }
    // CONFIG GET / SET on every real parameter, with the run-time hooks main.cc has for the
    // parts wired here (eviction-policy's background swap is left out: the value is stored).
    ConfigApplyHooks hooks;
    auto capacity = [this](const ServerConfig& c) -> std::optional<std::string> {
      cache.SetCapacity(c.max_items, c.maxmemory);
      return std::nullopt;
    };
    hooks["maxmemory"] = capacity;
    hooks["max-items"] = capacity;
    hooks["notify-keyspace-events"] = [this](const ServerConfig& c) -> std::optional<std::string> {
      notifier.SetFlags(c.notify_keyspace_events);
      return std::nullopt;
    };
    hooks["slowlog-log-slower-than"] = [this](const ServerConfig& c) -> std::optional<std::string> {
      slowlog.set_log_slower_than(c.slowlog_log_slower_than);
      return std::nullopt;
    };
    hooks["slowlog-max-len"] = [this](const ServerConfig& c) -> std::optional<std::string> {
      slowlog.set_max_len(static_cast<size_t>(c.slowlog_max_len));
      return std::nullopt;
    };
    if (auto err = DefineConfigParams(server.config_, cfg, std::move(hooks))) std::abort();
  }
  ~World() {
    for (CountingSubscriber& s : subscribers) {
      hub.Remove(&s);
      monitors.Remove(&s);
    }
  }

  static CacheOptions Options(uint8_t setup) {
    static constexpr const char* kPolicies[] = {"lru", "lfu", "adaptive", "noeviction"};
    CacheOptions o;
    o.shards = 2;
    o.eviction_policy = kPolicies[setup & 3];
    if ((setup & 0x04) != 0) o.max_bytes = 2048;
    if ((setup & 0x08) != 0) o.max_items = 5;
    return o;
  }

  static EventBus& Bus() {
    static EventBus bus;
    return bus;
  }

  ManualClock clock{1'700'000'000'000};
  ServerConfig cfg;  // CONFIG SET writes here (registered in server.config_)
  FakeServer server;
  PubSubHub hub;
  KeyspaceNotifier notifier{Bus(), hub, KeyspaceNotifier::Options{false, false, 0}};
  SlowLog slowlog{clock, -1, 16};
  MonitorFeed monitors;
  Observability obs;
  CacheManager cache;
  ClientState clients[2];
  CountingSubscriber subscribers[2];
};

const CommandTable& Table() {
  static const CommandTable table = [] {
    CommandTable t;
    RegisterAllCommands(t);
    return t;
  }();
  return table;
}

bool Skipped(std::span<const std::string_view> argv) {
  static constexpr std::string_view kNever[] = {"shutdown", "save",      "bgsave", "snapshot",
                                                "debug",    "writeback", "migrate"};
  for (std::string_view name : kNever) {
    if (EqualsIgnoreCase(argv[0], name)) return true;
  }
  return argv.size() >= 2 && EqualsIgnoreCase(argv[0], "config") &&
         EqualsIgnoreCase(argv[1], "rewrite");
}

// Replaces each key argument (by the command's key spec) with one of eight short names.
void MapKeys(const CommandSpec& spec, std::vector<std::string_view>& argv) {
  const CommandSpec* s = &spec;
  if (!spec.subcommands.empty() && argv.size() >= 2) {
    s = CommandTable::FindSubcommand(spec, argv[1]);
    if (s == nullptr) return;
  }
  if (s->first_key <= 0 || s->key_step <= 0) return;
  const int argc = static_cast<int>(argv.size());
  const int last = s->last_key < 0 ? argc + s->last_key : s->last_key;
  static constexpr std::string_view kKeys[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};
  for (int i = s->first_key; i <= last && i < argc; i += s->key_step) {
    size_t h = 0;
    for (char c : argv[i]) h = h * 31 + static_cast<unsigned char>(c);
    argv[i] = kKeys[h % 8];
  }
}

}  // namespace
}  // namespace cairn

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  if (size == 0) return -1;
  static const Dispatcher dispatcher(Table());
  World world(data[0]);
  const RespParser parser(ParserLimits{.max_bulk_len = 1 << 16, .max_multibulk_len = 64});
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  CommandArgs args;
  std::vector<std::string_view> argv;
  std::string out;
  for (size_t n = 0; n < kMaxCommands && !input.empty(); ++n) {
    const ParseResult r = parser.Parse(input, args);
    if (r.status != ParseStatus::kComplete) break;
    input.remove_prefix(r.consumed);
    if (args.argv.empty() || Skipped(args.argv)) continue;
    argv.assign(args.argv.begin(), args.argv.end());
    if (argv.size() == 2 && EqualsIgnoreCase(argv[0], "tick")) {
      int64_t ms = 0;
      for (char c : argv[1].substr(0, 9)) ms = ms * 10 + (c >= '0' && c <= '9' ? c - '0' : 0);
      world.clock.Advance(ms);
      continue;
    }
    if (const CommandSpec* spec = Table().Find(argv[0])) MapKeys(*spec, argv);
    // The second client runs commands whose name starts with an upper-case letter.
    const bool upper = !argv[0].empty() && argv[0][0] >= 'A' && argv[0][0] <= 'Z';
    ClientState& client = world.clients[upper ? 1 : 0];
    // As in Redis, MONITOR on a connection that already monitors is ignored without a reply.
    const bool expect_reply = client.reply_mode == ClientState::ReplyMode::kOn &&
                              !client.skip_next_reply &&
                              !(client.monitor && EqualsIgnoreCase(argv[0], "monitor"));
    out.clear();
    ReplyBuilder reply(out);
    CommandContext ctx{world.cache, world.server, client, reply};
    dispatcher.Execute(ctx, argv);
    const bool still_on =
        client.reply_mode == ClientState::ReplyMode::kOn && !client.skip_next_reply;
    fuzz::CheckReplies(out, expect_reply && still_on, argv);
    client.close_after_reply = false;
    client.sleep_us = 0;
  }
  return 0;
}
