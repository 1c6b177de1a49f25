// Runs commands through the real Dispatcher and command table against a real CacheManager
// driven by a ManualClock, with a fake ServerContext; tests compare exact RESP bytes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/command_table.h"
#include "cairn/command/dispatcher.h"
#include "cairn/common/clock.h"
#include "cairn/config/config_registry.h"

namespace cairn::test {

class FakeServer final : public ServerContext {
 public:
  ConfigRegistry& config() override { return config_; }
  ServerCounters& counters() override { return counters_; }
  const std::string& requirepass() const override { return requirepass_; }
  int64_t start_time_ms() const override { return 0; }
  uint16_t port() const override { return 6379; }
  size_t connected_clients() const override { return 1; }
  uint64_t proto_max_bulk_len() const override { return proto_max_bulk_len_; }
  size_t undo_depth() const override { return undo_depth_; }
  uint64_t undo_max_bytes() const override { return undo_max_bytes_; }
  std::string ClientList(std::span<const uint64_t>) const override { return {}; }
  std::string ClientInfo(const ClientState&) const override { return {}; }
  size_t KillClients(const std::function<bool(const ClientState&)>&) override { return 0; }
  void RequestShutdown() override {}
  Observability* observability() override { return observability_; }

  std::string requirepass_;
  uint64_t proto_max_bulk_len_ = 512ull * 1024 * 1024;
  size_t undo_depth_ = 16;
  uint64_t undo_max_bytes_ = 1024 * 1024;
  Observability* observability_ = nullptr;  // pub/sub, slowlog ... tests set one
  ConfigRegistry config_;
  ServerCounters counters_;
};

// A parsed RESP2 reply, for replies whose element order is unspecified (KEYS, SCAN, COMMAND).
struct Resp {
  char type = 0;      // '+', '-', ':', '$', '*'
  bool null = false;  // $-1 / *-1
  std::string str;    // simple string, error or bulk
  int64_t num = 0;    // integer
  std::vector<Resp> items;
};

// Parses one reply starting at `pos`; returns the position after it (npos on malformed input).
inline size_t ParseResp(std::string_view s, size_t pos, Resp& out) {
  const size_t eol = s.find("\r\n", pos);
  if (pos >= s.size() || eol == std::string_view::npos) return std::string_view::npos;
  out.type = s[pos];
  const std::string line(s.substr(pos + 1, eol - pos - 1));
  size_t next = eol + 2;
  switch (out.type) {
    case '+':
    case '-':
      out.str = line;
      return next;
    case ':':
      out.num = std::stoll(line);
      return next;
    case '$': {
      const long long len = std::stoll(line);
      if (len < 0) {
        out.null = true;
        return next;
      }
      out.str = std::string(s.substr(next, static_cast<size_t>(len)));
      return next + static_cast<size_t>(len) + 2;
    }
    case '*': {
      const long long n = std::stoll(line);
      if (n < 0) {
        out.null = true;
        return next;
      }
      out.items.resize(static_cast<size_t>(n));
      for (Resp& item : out.items) {
        next = ParseResp(s, next, item);
        if (next == std::string_view::npos) return next;
      }
      return next;
    }
    default:
      return std::string_view::npos;
  }
}

inline Resp ParseWhole(std::string_view s) {
  Resp r;
  EXPECT_EQ(ParseResp(s, 0, r), s.size()) << s;
  return r;
}

class CommandTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStartMs = 1'700'000'000'000;  // a whole second
  static constexpr std::string_view kOk = "+OK\r\n";
  static constexpr std::string_view kNil = "$-1\r\n";
  static constexpr std::string_view kEmpty = "$0\r\n\r\n";
  static constexpr std::string_view kSyntax = "-ERR syntax error\r\n";
  static constexpr std::string_view kNotInt = "-ERR value is not an integer or out of range\r\n";
  static constexpr std::string_view kOom =
      "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

  CommandTest() {
    RegisterAllCommands(table_);
    CacheOptions options;
    options.shards = 4;
    options.eviction_policy = "lru";  // the tests' victim-order and OBJECT expectations
    Reset(options);
  }

  // A fresh cache with these options (e.g. a full noeviction cache for OOM tests).
  void Reset(const CacheOptions& options) {
    cache_.reset();
    cache_ = std::make_unique<CacheManager>(options, clock_);
  }

  std::string Run(std::initializer_list<std::string_view> args) {
    return Run(std::vector<std::string_view>(args));
  }
  std::string Run(const std::vector<std::string_view>& args) { return RunAs(client_, args); }
  // Runs a command as another connection (UNDO conflicts, per-connection state).
  std::string RunAs(ClientState& client, const std::vector<std::string_view>& args) {
    std::string out;
    ReplyBuilder reply(out, client.resp);  // as the session's: the connection's protocol
    CommandContext ctx{*cache_, server_, client, reply};
    dispatcher_.Execute(ctx, args);
    return out;
  }

  static std::string Bulk(std::string_view s) {
    return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
  }
  static std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
  static std::string Err(std::string_view msg) { return "-" + std::string(msg) + "\r\n"; }
  static std::string Arr(std::initializer_list<std::string> items) {
    std::string s = "*" + std::to_string(items.size()) + "\r\n";
    for (const std::string& i : items) s += i;
    return s;
  }
  static std::string Arity(std::string_view name) {
    return Err("ERR wrong number of arguments for '" + std::string(name) + "' command");
  }

  ManualClock clock_{kStartMs};
  FakeServer server_;
  std::unique_ptr<CacheManager> cache_;
  CommandTable table_;
  Dispatcher dispatcher_{table_};
  ClientState client_;
};

}  // namespace cairn::test
