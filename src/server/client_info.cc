#include "client_info.h"

#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "cairn/command/acl.h"

namespace cairn {

void AppendClientInfo(std::string& out, const ClientState& c, const ClientIoInfo& io,
                      int64_t now_ms) {
  // Redis's order: O (monitor), P (pub/sub), x (MULTI), t (tracking), R (tracking redirect
  // broken), B (tracking BCAST), c (close after reply), e (no-evict); N when none.
  char flags[10] = {};
  size_t nflags = 0;
  if (c.monitor) flags[nflags++] = 'O';
  if (c.in_pubsub()) flags[nflags++] = 'P';
  if (c.in_multi) flags[nflags++] = 'x';
  if (c.tracking.on) flags[nflags++] = 't';
  if (c.tracking.on && io.tracking_broken) flags[nflags++] = 'R';
  if (c.tracking.on && c.tracking.bcast) flags[nflags++] = 'B';
  if (c.close_after_reply) flags[nflags++] = 'c';
  if (c.no_evict) flags[nflags++] = 'e';
  if (nflags == 0) flags[nflags++] = 'N';
  const int64_t age_s = (now_ms - c.created_ms) / 1000;
  const int64_t idle_s = (now_ms - c.last_interaction_ms) / 1000;
  fmt::format_to(std::back_inserter(out),
                 "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db=0 sub={} psub={} "
                 "ssub=0 multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp=0 obl=0 "
                 "oll=0 omem={} tot-mem={} events=r cmd={} user={} redir={} resp={} "
                 "lib-name={} lib-ver={}",
                 c.id, c.addr, c.laddr, io.fd, c.name, age_s < 0 ? 0 : age_s,
                 idle_s < 0 ? 0 : idle_s, std::string_view(flags, nflags), c.sub_channels,
                 c.sub_patterns, c.multi_count, io.qbuf, io.qbuf_free, io.obuf, io.omem, io.tot_mem,
                 c.last_command.empty() ? std::string_view("NULL") : c.last_command,
                 c.acl_user == nullptr ? std::string_view("default") : c.acl_user->name,
                 c.tracking.on ? static_cast<int64_t>(c.tracking.redirect) : int64_t{-1}, c.resp,
                 c.lib_name, c.lib_ver);
  // Cairn's: a TLS connection says so (and which version) after Redis's fields; a plain TCP
  // line is Redis's exactly.
  if (io.tls != nullptr) fmt::format_to(std::back_inserter(out), " tls={}", io.tls);
}

std::string FormatAddress(const std::string& ip, uint16_t port) {
  if (ip.find(':') != std::string::npos) return fmt::format("[{}]:{}", ip, port);
  return fmt::format("{}:{}", ip, port);
}

}  // namespace cairn
