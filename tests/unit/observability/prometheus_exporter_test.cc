#include "cairn/observability/prometheus_exporter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <regex>

#include "cairn/observability/latency_histogram.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct HttpResponse {
  int status = 0;
  std::string body;
};

// One HTTP/1.0 GET over a raw socket to 127.0.0.1:port. status 0 = could not connect.
HttpResponse Get(uint16_t port, const std::string& path) {
  HttpResponse r;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return r;
  }
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  ::send(fd, req.data(), req.size(), 0);
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (raw.rfind("HTTP/1.", 0) != 0) return r;
  r.status = std::stoi(raw.substr(9, 3));
  size_t body = raw.find("\r\n\r\n");
  if (body != std::string::npos) r.body = raw.substr(body + 4);
  return r;
}

// The value of the sample line `series` (name plus labels, exactly as exposed).
std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

struct FakeState {
  std::atomic<uint64_t> hits{42}, misses{7}, clients{3}, commands{1000};
  std::atomic<bool> ready{false};
  LatencyHistogram get_latency;
};

MetricsSource SourceFor(FakeState& s) {
  MetricsSource src;
  src.cache = [&s] {
    CacheMetrics c;
    c.items = 5;
    c.bytes = 640;
    c.expires = 2;
    c.max_items = 100;
    c.max_bytes = 1 << 20;
    c.hits = s.hits.load();
    c.misses = s.misses.load();
    c.expirations = 9;
    c.evictions_size = 4;
    c.evictions_items = 6;
    c.oom_rejections = 1;
    c.expiry_lag_ms = 250;
    c.policy = "lfu";
    return c;
  };
  src.server = [&s] {
    ServerMetrics m;
    m.connected_clients = s.clients.load();
    m.commands_processed = s.commands.load();
    m.uptime_seconds = 77;
    m.memory_used_bytes = 123456;
    return m;
  };
  src.commands = [&s](const std::function<void(const CommandMetrics&)>& visit) {
    visit(CommandMetrics{"get", 30, 1500, 2, 1, &s.get_latency});
    visit(CommandMetrics{"set", 12, 600, 0, 0, nullptr});
    visit(CommandMetrics{"del", 0, 0, 0, 0, nullptr});  // never called: no series
  };
  src.event_bus_dropped = [] { return uint64_t{11}; };
  src.extra = [](std::vector<ExtraMetric>& out) {
    out.push_back(
        {"cairn_dirty_keys", "Keys waiting for write-back", ExtraMetric::Type::kGauge, {}, 17});
  };
  src.ready = [&s] { return s.ready.load(); };
  return src;
}

class PrometheusExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 20; ++i) state_.get_latency.Record(20'000);     // 20 us
    for (int i = 0; i < 10; ++i) state_.get_latency.Record(3'000'000);  // 3 ms
    exporter_ = std::make_unique<PrometheusExporter>(SourceFor(state_));
    std::optional<std::string> err = exporter_->Start({.bind = "127.0.0.1", .port = 0});
    ASSERT_FALSE(err.has_value()) << *err;
    ASSERT_NE(exporter_->port(), 0);
  }
  FakeState state_;
  std::unique_ptr<PrometheusExporter> exporter_;
};

TEST_F(PrometheusExporterTest, ServesRedisExporterCompatibleSeries) {
  HttpResponse r = Get(exporter_->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  const std::string& t = r.body;
  EXPECT_EQ(Sample(t, "redis_up"), 1);
  EXPECT_EQ(Sample(t, "redis_keyspace_hits_total"), 42);
  EXPECT_EQ(Sample(t, "redis_keyspace_misses_total"), 7);
  EXPECT_EQ(Sample(t, "redis_evicted_keys_total"), 10);
  EXPECT_EQ(Sample(t, "redis_expired_keys_total"), 9);
  EXPECT_EQ(Sample(t, "redis_connected_clients"), 3);
  EXPECT_EQ(Sample(t, "redis_memory_used_bytes"), 123456);
  EXPECT_EQ(Sample(t, "redis_memory_max_bytes"), 1 << 20);
  EXPECT_EQ(Sample(t, "redis_db_keys{db=\"db0\"}"), 5);
  EXPECT_EQ(Sample(t, "redis_db_keys_expiring{db=\"db0\"}"), 2);
  EXPECT_EQ(Sample(t, "redis_commands_processed_total"), 1000);
  EXPECT_EQ(Sample(t, "redis_uptime_in_seconds"), 77);
  EXPECT_EQ(Sample(t, "redis_commands_total{cmd=\"get\"}"), 30);
  EXPECT_EQ(Sample(t, "redis_commands_duration_seconds_total{cmd=\"get\"}"), 0.0015);
  EXPECT_EQ(Sample(t, "redis_commands_failed_calls_total{cmd=\"get\"}"), 2);
  EXPECT_EQ(Sample(t, "redis_commands_rejected_calls_total{cmd=\"get\"}"), 1);
  EXPECT_THAT(t, HasSubstr("# TYPE redis_keyspace_hits_total counter"));
  EXPECT_THAT(t, HasSubstr("# TYPE redis_connected_clients gauge"));
  EXPECT_THAT(t, Not(HasSubstr("cmd=\"del\"")));
}

TEST_F(PrometheusExporterTest, ServesCairnSeries) {
  const std::string t = Get(exporter_->port(), "/metrics").body;
  EXPECT_EQ(Sample(t, "cairn_commands_total{cmd=\"get\"}"), 30);
  EXPECT_EQ(Sample(t, "cairn_commands_total{cmd=\"set\"}"), 12);
  EXPECT_EQ(Sample(t, "cairn_evictions_total{cause=\"size\",policy=\"lfu\"}"), 4);
  EXPECT_EQ(Sample(t, "cairn_evictions_total{cause=\"items\",policy=\"lfu\"}"), 6);
  EXPECT_EQ(Sample(t, "cairn_expirations_total"), 9);
  EXPECT_EQ(Sample(t, "cairn_items"), 5);
  EXPECT_EQ(Sample(t, "cairn_bytes"), 640);
  EXPECT_EQ(Sample(t, "cairn_max_items"), 100);
  EXPECT_EQ(Sample(t, "cairn_max_bytes"), 1 << 20);
  EXPECT_EQ(Sample(t, "cairn_oom_rejections_total"), 1);
  EXPECT_EQ(Sample(t, "cairn_expiry_lag_seconds"), 0.25);
  EXPECT_EQ(Sample(t, "cairn_event_bus_dropped_total"), 11);
  EXPECT_EQ(Sample(t, "cairn_dirty_keys"), 17);
  // The latency histogram: 20 samples at 20 us, 10 at 3 ms.
  EXPECT_THAT(t, HasSubstr("# TYPE cairn_command_duration_seconds histogram"));
  EXPECT_EQ(Sample(t, "cairn_command_duration_seconds_count{cmd=\"get\"}"), 30);
  EXPECT_EQ(Sample(t, "cairn_command_duration_seconds_bucket{cmd=\"get\",le=\"1e-05\"}"), 0);
  EXPECT_EQ(Sample(t, "cairn_command_duration_seconds_bucket{cmd=\"get\",le=\"2.5e-05\"}"), 20);
  EXPECT_EQ(Sample(t, "cairn_command_duration_seconds_bucket{cmd=\"get\",le=\"0.0025\"}"), 20);
  EXPECT_EQ(Sample(t, "cairn_command_duration_seconds_bucket{cmd=\"get\",le=\"0.005\"}"), 30);
  EXPECT_EQ(Sample(t, "cairn_command_duration_seconds_bucket{cmd=\"get\",le=\"+Inf\"}"), 30);
  EXPECT_NEAR(*Sample(t, "cairn_command_duration_seconds_sum{cmd=\"get\"}"), 0.0304, 1e-9);
  EXPECT_THAT(t, Not(HasSubstr("cairn_command_duration_seconds_count{cmd=\"set\"}")));
}

TEST_F(PrometheusExporterTest, ValuesAreReadAtScrapeTime) {
  EXPECT_EQ(Sample(Get(exporter_->port(), "/metrics").body, "redis_keyspace_hits_total"), 42);
  state_.hits = 43;
  state_.clients = 9;
  const std::string t = Get(exporter_->port(), "/metrics").body;
  EXPECT_EQ(Sample(t, "redis_keyspace_hits_total"), 43);
  EXPECT_EQ(Sample(t, "redis_connected_clients"), 9);
  EXPECT_EQ(Sample(exporter_->Render(), "redis_connected_clients"), 9);
}

TEST_F(PrometheusExporterTest, HealthAndReadiness) {
  HttpResponse h = Get(exporter_->port(), "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok\n");
  HttpResponse r = Get(exporter_->port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "loading\n");
  state_.ready = true;
  r = Get(exporter_->port(), "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");
  EXPECT_EQ(Get(exporter_->port(), "/nothing-here").status, 404);
}

// Not ready for another reason than loading (the persistent store refuses writes): the 503's
// body says which.
TEST_F(PrometheusExporterTest, NotReadyReasonIsTheBodyOfThe503) {
  exporter_->Stop();
  MetricsSource src = SourceFor(state_);
  src.not_ready_reason = [] { return std::string("persistent store failing: disk full"); };
  PrometheusExporter e(std::move(src));
  ASSERT_FALSE(e.Start({.bind = "127.0.0.1", .port = 0}).has_value());
  HttpResponse r = Get(e.port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "persistent store failing: disk full\n");
  state_.ready = true;
  EXPECT_EQ(Get(e.port(), "/readyz").status, 200);
}

TEST_F(PrometheusExporterTest, PortInUseIsAnErrorAndStopReleasesThePort) {
  const uint16_t port = exporter_->port();
  PrometheusExporter second(MetricsSource{});
  std::optional<std::string> err = second.Start({.bind = "127.0.0.1", .port = port});
  ASSERT_TRUE(err.has_value());
  EXPECT_THAT(*err, HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_EQ(second.port(), 0);

  exporter_->Stop();
  EXPECT_EQ(exporter_->port(), 0);
  EXPECT_EQ(Get(port, "/metrics").status, 0);  // nothing listens any more
  // The second exporter can now take the port; an empty source still says redis_up 1.
  ASSERT_FALSE(second.Start({.bind = "127.0.0.1", .port = port}).has_value());
  EXPECT_EQ(Sample(Get(port, "/metrics").body, "redis_up"), 1);
  EXPECT_EQ(Get(port, "/readyz").status, 200);  // no readiness callback: always ready
}

TEST_F(PrometheusExporterTest, BadBindAddressIsAnError) {
  PrometheusExporter bad(MetricsSource{});
  EXPECT_TRUE(bad.Start({.bind = "203.0.113.1", .port = 0}).has_value());  // not ours
  EXPECT_EQ(bad.port(), 0);
}

TEST_F(PrometheusExporterTest, TwoExportersKeepTheirOwnProbes) {
  FakeState other_state;
  other_state.ready = true;
  PrometheusExporter other(SourceFor(other_state));
  ASSERT_FALSE(other.Start({.bind = "127.0.0.1", .port = 0}).has_value());
  EXPECT_EQ(Get(other.port(), "/readyz").status, 200);
  EXPECT_EQ(Get(exporter_->port(), "/readyz").status, 503);
}

}  // namespace
}  // namespace cairn
