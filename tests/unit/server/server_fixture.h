// Runs a real Server in-process on 127.0.0.1, port 0, with a real cache, the full command table
// and the standard config registry (wired like main.cc), and a ManualClock for idle times.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "cairn/cache/cache_manager.h"
#include "cairn/command/command_table.h"
#include "cairn/command/dispatcher.h"
#include "cairn/common/clock.h"
#include "cairn/config/config.h"
#include "cairn/config/config_params.h"
#include "cairn/config/config_registry.h"
#include "cairn/server/server.h"
#include "test_client.h"

namespace cairn::testing {

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() : dispatcher_(table_) { RegisterAllCommands(table_); }
  ~ServerTest() override {
    if (server_) server_->Stop();
  }

  // Starts the server; `tweak` adjusts the options first.
  template <typename Tweak>
  void Start(Tweak tweak) {
    ServerOptions options;
    options.bind = {"127.0.0.1"};
    options.port = 0;
    options.io_threads = 2;
    options.cron_interval_ms = 5;
    options.shutdown_grace_ms = 2000;
    tweak(options);
    cfg_.requirepass = options.requirepass;
    cfg_.timeout = options.timeout_s;
    cfg_.maxclients = options.maxclients;
    cfg_.config_file = options.config_file;
    cache_ = std::make_unique<CacheManager>(CacheOptions{}, clock_);
    server_ = std::make_unique<Server>(options, *cache_, dispatcher_, registry_, clock_);
    ConfigApplyHooks hooks;
    hooks["requirepass"] = [this](const ServerConfig& c) -> std::optional<std::string> {
      server_->SetRequirePass(c.requirepass);
      return std::nullopt;
    };
    hooks["maxclients"] = [this](const ServerConfig& c) -> std::optional<std::string> {
      server_->SetMaxClients(c.maxclients);
      return std::nullopt;
    };
    hooks["maxmemory"] = [this](const ServerConfig& c) -> std::optional<std::string> {
      cache_->SetCapacity(c.max_items, c.maxmemory);
      return std::nullopt;
    };
    ASSERT_FALSE(DefineConfigParams(registry_, cfg_, hooks).has_value());
    auto err = server_->Start();
    ASSERT_FALSE(err.has_value()) << *err;
    ASSERT_NE(server_->port(), 0);
  }
  void Start() {
    Start([](ServerOptions&) {});
  }

  std::unique_ptr<TestClient> Connect() { return std::make_unique<TestClient>(server_->port()); }

  ManualClock clock_;
  ServerConfig cfg_;
  ConfigRegistry registry_;
  CommandTable table_;
  Dispatcher dispatcher_;
  std::unique_ptr<CacheManager> cache_;
  std::unique_ptr<Server> server_;
};

}  // namespace cairn::testing
