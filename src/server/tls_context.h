// TLS for the client listeners: Asio's SSL streams over OpenSSL 3.
//
// A TlsContext is one immutable OpenSSL SSL_CTX built from TlsOptions (certificate chain, key,
// CA, client-certificate policy, protocols, ciphers, session cache), the way Redis 7.0's
// tlsConfigure builds its context, with the same checks and log texts. The server keeps the
// current one in TlsContextSlot: each accepted TLS connection takes a shared_ptr to the context
// current at accept time and keeps it for its whole life, so a reload (CONFIG SET tls-cert-file
// ...) builds a new context for new connections while existing ones keep theirs; the old context
// is freed with its last connection.
//
// Threads: Build runs on the thread applying the config (startup, or the I/O thread running
// CONFIG SET: file reads and key parsing, once per reload). The slot's mutex is taken once per
// accepted TLS connection and per reload, never per request.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include <boost/asio/ssl/context.hpp>

#include "cairn/server/server.h"

namespace cairn {

class TlsContext {
 public:
  // The context for `options`, or why it could not be built (Redis's log texts: "No
  // tls-cert-file configured!", "Failed to load certificate: <file>: <reason>" ...).
  static std::variant<std::shared_ptr<TlsContext>, std::string> Build(const TlsOptions& options);

  boost::asio::ssl::context& asio() { return ctx_; }

 private:
  TlsContext() : ctx_(boost::asio::ssl::context::tls_server) {}
  boost::asio::ssl::context ctx_;
};

class TlsContextSlot {
 public:
  std::shared_ptr<TlsContext> Get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void Set(std::shared_ptr<TlsContext> ctx) {
    std::lock_guard lock(mu_);
    current_ = std::move(ctx);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<TlsContext> current_;
};

}  // namespace cairn
