// The server's TLS settings: the options from the config, and CONFIG SET's reload of the context
// (tls_context.h says what a reload changes and what it leaves alone).
#include <variant>

#include <spdlog/spdlog.h>

#include "cairn/config/config.h"
#include "cairn/server/server.h"
#include "server_impl.h"
#include "tls_context.h"

namespace cairn {

TlsOptions TlsOptions::FromConfig(const ServerConfig& cfg) {
  TlsOptions o;
  o.cert_file = cfg.tls_cert_file;
  o.key_file = cfg.tls_key_file;
  o.key_file_pass = cfg.tls_key_file_pass;
  o.ca_cert_file = cfg.tls_ca_cert_file;
  o.ca_cert_dir = cfg.tls_ca_cert_dir;
  o.auth_clients = cfg.tls_auth_clients == "no"         ? TlsClientAuth::kNo
                   : cfg.tls_auth_clients == "optional" ? TlsClientAuth::kOptional
                                                        : TlsClientAuth::kYes;
  o.protocols = cfg.tls_protocols;
  o.ciphers = cfg.tls_ciphers;
  o.ciphersuites = cfg.tls_ciphersuites;
  o.prefer_server_ciphers = cfg.tls_prefer_server_ciphers;
  o.session_caching = cfg.tls_session_caching;
  o.session_cache_size = cfg.tls_session_cache_size;
  o.session_cache_timeout_s = cfg.tls_session_cache_timeout;
  return o;
}

std::optional<std::string> Server::ReloadTls(const TlsOptions& tls) {
  if (impl_->options.tls_port == 0) return std::nullopt;  // no TLS listener: nothing to load
  auto built = TlsContext::Build(tls);
  if (auto* err = std::get_if<std::string>(&built)) {
    spdlog::warn("TLS configuration not changed: {}", *err);
    return *err;
  }
  impl_->tls_context.Set(std::get<std::shared_ptr<TlsContext>>(std::move(built)));
  spdlog::info("TLS configuration reloaded: new connections use it");
  return std::nullopt;
}

void Server::SetTlsHandshakeTimeout(int ms) { impl_->tls_handshake_timeout_ms.store(ms); }

}  // namespace cairn
