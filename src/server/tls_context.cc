#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <sstream>
#include <vector>

#include "cairn/common/strings.h"

namespace cairn {

namespace ssl = boost::asio::ssl;

namespace {

constexpr unsigned char kSessionIdContext[] = "cairn";

enum ProtocolBit : unsigned { kTls1 = 1, kTls1_1 = 2, kTls1_2 = 4, kTls1_3 = 8 };

// Redis's parseProtocolsConfig: space-separated names, case-insensitive; empty = 1.2 and 1.3.
std::optional<unsigned> ParseProtocols(const std::string& text) {
  std::istringstream in(text);
  unsigned bits = 0;
  for (std::string token; in >> token;) {
    if (EqualsIgnoreCase(token, "tlsv1")) {
      bits |= kTls1;
    } else if (EqualsIgnoreCase(token, "tlsv1.1")) {
      bits |= kTls1_1;
    } else if (EqualsIgnoreCase(token, "tlsv1.2")) {
      bits |= kTls1_2;
    } else if (EqualsIgnoreCase(token, "tlsv1.3")) {
      bits |= kTls1_3;
    } else {
      return std::nullopt;
    }
  }
  return bits == 0 ? kTls1_2 | kTls1_3 : bits;
}

// OpenSSL's queued error, as Redis prints it (ERR_error_string_n of the first error).
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

}  // namespace

std::variant<std::shared_ptr<TlsContext>, std::string> TlsContext::Build(const TlsOptions& o) {
  if (o.cert_file.empty()) return std::string("No tls-cert-file configured!");
  if (o.key_file.empty()) return std::string("No tls-key-file configured!");
  if (o.auth_clients != TlsClientAuth::kNo && o.ca_cert_file.empty() && o.ca_cert_dir.empty()) {
    return std::string(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is "
        "enabled!");
  }
  const std::optional<unsigned> protocols = ParseProtocols(o.protocols);
  if (!protocols) {
    return std::string(
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and "
        "'TLSv1.3'.");
  }
  ERR_clear_error();
  std::shared_ptr<TlsContext> tls(new TlsContext());
  SSL_CTX* ctx = tls->ctx_.native_handle();

  // OpenSSL 3 refuses client renegotiation unless SSL_OP_ALLOW_CLIENT_RENEGOTIATION is set.
  uint64_t options =
      SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_DH_USE;
  if ((*protocols & kTls1) == 0) options |= SSL_OP_NO_TLSv1;
  if ((*protocols & kTls1_1) == 0) options |= SSL_OP_NO_TLSv1_1;
  if ((*protocols & kTls1_2) == 0) options |= SSL_OP_NO_TLSv1_2;
  if ((*protocols & kTls1_3) == 0) options |= SSL_OP_NO_TLSv1_3;
  if (o.prefer_server_ciphers) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  // No resumption at all without caching: TLS 1.3 (and 1.2) tickets would resume without the
  // server-side cache.
  if (!o.session_caching) options |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(ctx, options);

  if (o.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, o.session_cache_size);
    SSL_CTX_set_timeout(ctx, o.session_cache_timeout_s);
    SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }

  int verify = SSL_VERIFY_NONE;
  if (o.auth_clients == TlsClientAuth::kYes) {
    verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  } else if (o.auth_clients == TlsClientAuth::kOptional) {
    verify = SSL_VERIFY_PEER;
  }
  SSL_CTX_set_verify(ctx, verify, nullptr);

  if (!o.key_file_pass.empty()) {
    tls->ctx_.set_password_callback(
        [pass = o.key_file_pass](std::size_t, ssl::context::password_purpose) { return pass; });
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) <= 0) {
    return "Failed to load certificate: " + o.cert_file + ": " + OpenSslError();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) <= 0) {
    return "Failed to load private key: " + o.key_file + ": " + OpenSslError();
  }
  if (SSL_CTX_check_private_key(ctx) <= 0) {
    return "The tls-key-file does not match tls-cert-file: " + OpenSslError();
  }
  if ((!o.ca_cert_file.empty() || !o.ca_cert_dir.empty()) &&
      SSL_CTX_load_verify_locations(ctx, o.ca_cert_file.empty() ? nullptr : o.ca_cert_file.c_str(),
                                    o.ca_cert_dir.empty() ? nullptr : o.ca_cert_dir.c_str()) <= 0) {
    return "Failed to configure CA certificate(s) file/directory: " + OpenSslError();
  }
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str()) <= 0) {
    return "Failed to configure ciphers: " + o.ciphers;
  }
  if (!o.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, o.ciphersuites.c_str()) <= 0) {
    return "Failed to configure ciphersuites: " + o.ciphersuites;
  }
  SSL_CTX_set_dh_auto(ctx, 1);  // no tls-dh-params-file: OpenSSL 3 picks the DH group
  return tls;
}

}  // namespace cairn
