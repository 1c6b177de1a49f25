// The TLS parts of a session (session.h says how a TLS connection runs): the bounded handshake
// and the immediate write of encrypted replies.
#include "session.h"

#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cairn/common/clock.h"

namespace cairn {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
}  // namespace

asio::awaitable<bool> Session::Handshake() {
  handshaking_ = true;
  timer_.expires_after(
      std::chrono::milliseconds(server_.tls_handshake_timeout_ms.load(std::memory_order_relaxed)));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->handshaking_) return;
    spdlog::debug("TLS handshake of client id={} addr={} timed out", self->live_.id,
                  self->live_.addr);
    boost::system::error_code ignored;
    self->socket_.cancel(ignored);
  });
  wait_ = Wait::kHandshake;  // BeginShutdown cancels it; a push wake does not
  auto [ec] = co_await tls_->async_handshake(ssl::stream_base::server, kNoThrow);
  wait_ = Wait::kNone;
  handshaking_ = false;
  timer_.cancel();
  if (ec) {
    spdlog::debug("Error accepting a client connection: {} (id={} addr={})", ec.message(), live_.id,
                  live_.addr);
    co_return false;
  }
  if (killed_ || stopping_) co_return false;
  tls_version_ = SSL_get_version(tls_->native_handle());
  Publish();
  co_return true;
}

bool Session::EncryptNow() {
  last_active_ms_.store(server_.clock.NowMs(), std::memory_order_relaxed);
  boost::system::error_code ec;
  size_t off = 0;
  while (off < out_.size()) {  // one TLS record per call
    off += tls_->write_some(asio::buffer(out_.data() + off, out_.size() - off), ec);
    if (ec) break;
  }
  server_.counters.net_output_bytes.fetch_add(off, std::memory_order_relaxed);
  pushes_.Written(off);
  ReleaseOutput();
  if (ec) {
    spdlog::debug("writing to client id={}: {}", live_.id, ec.message());
    close_ = true;
    tls_->next_layer().backlog().clear();  // the connection is done: nothing more is sent
    return true;
  }
  return tls_->next_layer().backlog().empty();
}

}  // namespace cairn
