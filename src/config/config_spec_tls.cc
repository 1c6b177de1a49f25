// TLS keys (issue 20): Redis 7.0's names, values and defaults. config/cairn.conf's TLS section
// documents them in prose.
//
// The values are stored as given; the server validates them all together when it builds a TLS
// context (at startup when tls-port is set, and on CONFIG SET of any tls-* key while it is), as
// Redis does: a bad protocol list or cipher string is reported then, with the reason in the log.
// The file keys are "reload on the same value": CONFIG SET tls-cert-file <the same path> reloads
// the rotated file.
//
// Fixed after startup: tls-port (the listeners open once, like port). Every other key here may
// change at run time and applies to connections accepted afterwards.
#include <climits>

#include "config_rows.h"

namespace cairn::config_internal {

void AppendTlsSpecs(std::vector<ConfigSpec>& rows) {
  rows.push_back(IntRow("tls-port", &ServerConfig::tls_port, 0, 65535, false,
                        "TLS port (0 = no TLS listener; with it, port 0 = no plain TCP)"));
  auto file_row = [](std::string name, std::string ServerConfig::*field, std::string type,
                     std::string help) {
    ConfigSpec row =
        StringRow(std::move(name), field, true, true, std::move(type), std::move(help));
    row.reload_same_value = true;
    return row;
  };
  rows.push_back(file_row("tls-cert-file", &ServerConfig::tls_cert_file, "FILE",
                          "server certificate chain (PEM); set again to reload it"));
  rows.push_back(file_row("tls-key-file", &ServerConfig::tls_key_file, "FILE",
                          "private key of tls-cert-file (PEM)"));
  rows.push_back(StringRow("tls-key-file-pass", &ServerConfig::tls_key_file_pass, true, true,
                           "PASSWORD", "passphrase of an encrypted tls-key-file"));
  rows.push_back(file_row("tls-ca-cert-file", &ServerConfig::tls_ca_cert_file, "FILE",
                          "CA certificates that client certificates must chain to"));
  rows.push_back(file_row("tls-ca-cert-dir", &ServerConfig::tls_ca_cert_dir, "DIR",
                          "directory of CA certificates (c_rehash layout)"));
  rows.push_back(ChoiceRow("tls-auth-clients", &ServerConfig::tls_auth_clients,
                           {{"no", "no"}, {"yes", "yes"}, {"optional", "optional"}}, true,
                           "client certificates: required (yes), checked if sent, or ignored"));
  rows.push_back(StringRow("tls-protocols", &ServerConfig::tls_protocols, true, true, "LIST",
                           "TLS versions offered, e.g. \"TLSv1.2 TLSv1.3\" (empty = those two)"));
  rows.push_back(StringRow("tls-ciphers", &ServerConfig::tls_ciphers, true, true, "LIST",
                           "OpenSSL cipher list for TLSv1.2 and below (empty = OpenSSL's)"));
  rows.push_back(StringRow("tls-ciphersuites", &ServerConfig::tls_ciphersuites, true, true, "LIST",
                           "OpenSSL TLSv1.3 ciphersuites (empty = OpenSSL's)"));
  rows.push_back(BoolRow("tls-prefer-server-ciphers", &ServerConfig::tls_prefer_server_ciphers,
                         true, "choose the cipher by the server's order, not the client's"));
  rows.push_back(BoolRow("tls-session-caching", &ServerConfig::tls_session_caching, true,
                         "let clients resume TLS sessions (cheaper reconnects)"));
  rows.push_back(IntRow("tls-session-cache-size", &ServerConfig::tls_session_cache_size, 0, INT_MAX,
                        true, "TLS sessions cached for resumption (0 = no limit)"));
  rows.push_back(IntRow("tls-session-cache-timeout", &ServerConfig::tls_session_cache_timeout, 0,
                        INT_MAX, true, "seconds a cached TLS session can be resumed"));
  rows.push_back(IntRow("tls-handshake-timeout-ms", &ServerConfig::tls_handshake_timeout_ms, 1,
                        INT_MAX, true, "close a TLS connection whose handshake takes longer"));
}

}  // namespace cairn::config_internal
