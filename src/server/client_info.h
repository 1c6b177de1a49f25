// CLIENT LIST / CLIENT INFO lines in Redis 7's format (networking.c catClientInfoString), with
// the 7.2 lib-name / lib-ver fields that CLIENT SETINFO fills. Fields Cairn has no notion of
// (db, pub/sub, MULTI, tracking) carry Redis's values for a plain client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cairn/command/context.h"

namespace cairn {

// What the session knows beyond ClientState.
struct ClientIoInfo {
  int fd = -1;
  size_t qbuf = 0;            // unparsed bytes in the query buffer
  size_t qbuf_free = 0;       // free room in the query buffer
  size_t obuf = 0;            // capacity of the reply buffer
  size_t omem = 0;            // pushes queued for the client, not yet taken into the reply buffer
  size_t tot_mem = 0;         // the session's memory as maxmemory-clients counts it
  const char* tls = nullptr;  // TLS connection: the protocol ("TLSv1.3"); plain TCP: nullptr
  bool tracking_broken = false;  // CLIENT TRACKING's REDIRECT target is gone (flag R)
};

// Appends one line (without the trailing '\n').
void AppendClientInfo(std::string& out, const ClientState& c, const ClientIoInfo& io,
                      int64_t now_ms);

// Redis's "address string": "1.2.3.4:port" or "[::1]:port".
std::string FormatAddress(const std::string& ip, uint16_t port);

}  // namespace cairn
