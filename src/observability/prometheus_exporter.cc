// PrometheusExporter: prometheus-cpp's Exposer serves /metrics from our MetricsCollector.
//
// The probes: prometheus-cpp 1.0's Exposer only serves collectables (no RegisterHandler), but it
// forwards civetweb callbacks. Its CivetServer calls init_context(ctx) synchronously on the
// constructing thread, before the listening thread starts; there we register plain civetweb
// request handlers for /healthz and /readyz on the same context, with our probe state as their
// callback data. A thread-local pointer carries that state into init_context (civetweb's
// callback has no user argument we control), so no request can reach the server before the
// probe handlers exist.
//
// Stopping: civetweb's listening thread polls its sockets with a 2 s timeout and only then sees
// the stop flag, so a plain stop takes up to 2 s once a request has been served. Stop() instead
// pokes the listening port with empty connections while the Exposer shuts down, which wakes
// that poll at once (only during Stop; a few loopback connects).
#include "cairn/observability/prometheus_exporter.h"

#include <CivetServer.h>
#include <civetweb.h>
#include <prometheus/exposer.h>
#include <prometheus/text_serializer.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <thread>

#include "metrics_collector.h"

namespace cairn {
namespace {

struct ProbeState {
  std::function<bool()> ready;
  std::function<std::string()> not_ready_reason;
};

thread_local ProbeState* g_starting_probes = nullptr;

int Reply(mg_connection* conn, int code, const char* reason, std::string_view body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            code, reason, body.size());
  mg_write(conn, body.data(), body.size());
  return code;
}

int HealthHandler(mg_connection* conn, void* /*cbdata*/) { return Reply(conn, 200, "OK", "ok\n"); }

int ReadyHandler(mg_connection* conn, void* cbdata) {
  const auto* probes = static_cast<const ProbeState*>(cbdata);
  if (!probes->ready || probes->ready()) return Reply(conn, 200, "OK", "ready\n");
  const std::string reason = probes->not_ready_reason ? probes->not_ready_reason() : "loading";
  return Reply(conn, 503, "Service Unavailable", reason + "\n");
}

void InitContext(const mg_context* ctx) {
  if (g_starting_probes == nullptr) return;
  auto* c = const_cast<mg_context*>(ctx);
  mg_set_request_handler(c, "/healthz$", HealthHandler, g_starting_probes);
  mg_set_request_handler(c, "/readyz$", ReadyHandler, g_starting_probes);
}

// Opens and closes one TCP connection to host:port (a wildcard host means loopback).
void Poke(const std::string& host, uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (host.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (host == "::" || inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      a->sin6_addr = in6addr_loopback;
    }
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (host == "0.0.0.0" || inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    len = sizeof(*a);
  }
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  ::close(fd);
}

}  // namespace

struct PrometheusExporter::Impl {
  std::shared_ptr<MetricsCollector> collector;
  ProbeState probes;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::string host;
  uint16_t port = 0;
};

PrometheusExporter::PrometheusExporter(MetricsSource source) : impl_(std::make_unique<Impl>()) {
  impl_->probes.ready = source.ready;
  impl_->probes.not_ready_reason = source.not_ready_reason;
  impl_->collector = std::make_shared<MetricsCollector>(std::move(source));
}

PrometheusExporter::~PrometheusExporter() { Stop(); }

std::optional<std::string> PrometheusExporter::Start(const PrometheusExporterOptions& options) {
  if (impl_->exposer) return "metrics exporter already running";
  const bool v6 = options.bind.find(':') != std::string::npos;
  if (v6 && mg_check_feature(8) == 0) {  // 8: IPv6 (Debian's civetweb is built without it)
    return "cannot serve metrics on " + options.bind + ": civetweb was built without IPv6";
  }
  const std::string listen =
      (v6 ? "[" + options.bind + "]" : options.bind) + ":" + std::to_string(options.port);
  std::vector<std::string> civet_options = {
      "listening_ports", listen, "num_threads",
      std::to_string(options.threads < 1 ? 1 : options.threads)};
  CivetCallbacks callbacks;  // its constructor zeroes every callback
  callbacks.init_context = InitContext;
  g_starting_probes = &impl_->probes;
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(std::move(civet_options), &callbacks);
  } catch (const std::exception& e) {
    g_starting_probes = nullptr;
    return "cannot serve metrics on " + listen + ": " + e.what();
  }
  g_starting_probes = nullptr;
  impl_->exposer->RegisterCollectable(impl_->collector, "/metrics");
  const std::vector<int> ports = impl_->exposer->GetListeningPorts();
  impl_->port = ports.empty() ? 0 : static_cast<uint16_t>(ports.front());
  impl_->host = options.bind;
  return std::nullopt;
}

void PrometheusExporter::Stop() {
  if (!impl_->exposer) return;
  std::atomic<bool> stopped{false};
  std::thread waker([&, host = impl_->host, port = impl_->port] {
    while (!stopped.load()) {
      Poke(host, port);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  impl_->exposer.reset();  // stops civetweb and joins its threads
  stopped = true;
  waker.join();
  impl_->port = 0;
}

uint16_t PrometheusExporter::port() const { return impl_->port; }

std::string PrometheusExporter::Render() const {
  return prometheus::TextSerializer().Serialize(impl_->collector->Collect());
}

}  // namespace cairn
