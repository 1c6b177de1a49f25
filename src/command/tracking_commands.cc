// CLIENT TRACKING and friends with Redis 7.0's replies and errors (networking.c clientCommand,
// tracking.c). The per-connection options live in ClientState::tracking (CLIENT INFO,
// TRACKINGINFO); the table of remembered keys and the delivery of invalidations in Tracking (pubsub
// module).
#include "tracking_commands.h"

#include <algorithm>
#include <string>
#include <vector>

#include "cairn/command/observability.h"
#include "cairn/common/strings.h"
#include "cairn/pubsub/tracking.h"
#include "replies.h"
#include "spec_builder.h"

namespace cairn {
namespace {

using Caching = ClientState::Tracking::Caching;

Tracking* TrackingOf(CommandContext& ctx) {
  Observability* obs = ctx.server.observability();
  return obs == nullptr ? nullptr : obs->tracking;
}

// stringCheckPrefix: one is a prefix of the other.
bool Overlap(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.compare(0, n, b.substr(0, n)) == 0;
}

std::string OverlapError(std::string_view prefix, std::string_view other, bool existing) {
  std::string msg = "ERR Prefix '";
  msg.append(replies::CString(prefix, SIZE_MAX))
      .append(existing ? "' overlaps with an existing prefix '"
                       : "' overlaps with another provided prefix '")
      .append(replies::CString(other, SIZE_MAX))
      .append("'. Prefixes for a single client must not overlap.");
  return msg;
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
void ClientTrackingCommand(CommandContext& ctx, Args args) {
  ClientState::Tracking& t = ctx.client.tracking;
  int64_t redirect = 0;
  bool has_redirect = false;
  bool bcast = false, optin = false, optout = false, noloop = false;
  std::vector<std::string_view> prefixes;
  for (size_t j = 3; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (EqualsIgnoreCase(args[j], "redirect") && more) {
      ++j;
      if (has_redirect) {
        ctx.reply.Error("ERR A client can only redirect to a single other client");
        return;
      }
      const auto id = ParseInt64(args[j]);
      if (!id) {
        ctx.reply.Error(replies::kNotInteger);
        return;
      }
      redirect = *id;
      has_redirect = true;
      // As Redis: the client must exist now, checked as the option is read (so OFF and a later
      // bad option get this error too); Enable checks again under the table's lock.
      const Tracking* table = TrackingOf(ctx);
      if (redirect <= 0 ||
          (table != nullptr && !table->Connected(static_cast<uint64_t>(redirect)))) {
        ctx.reply.Error("ERR The client ID you want redirect to does not exist");
        return;
      }
    } else if (EqualsIgnoreCase(args[j], "bcast")) {
      bcast = true;
    } else if (EqualsIgnoreCase(args[j], "optin")) {
      optin = true;
    } else if (EqualsIgnoreCase(args[j], "optout")) {
      optout = true;
    } else if (EqualsIgnoreCase(args[j], "noloop")) {
      noloop = true;
    } else if (EqualsIgnoreCase(args[j], "prefix") && more) {
      prefixes.push_back(args[++j]);
    } else {
      ctx.reply.Error(replies::kSyntaxError);
      return;
    }
  }
  Tracking* tracking = TrackingOf(ctx);
  if (EqualsIgnoreCase(args[2], "off")) {
    StopTracking(ctx);
    ctx.reply.Ok();
    return;
  }
  if (!EqualsIgnoreCase(args[2], "on")) {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  if (tracking == nullptr) {
    ctx.reply.Error("ERR client tracking is not available on this server");
    return;
  }
  if (has_redirect && redirect <= 0) {  // no connection has such an id
    ctx.reply.Error("ERR The client ID you want redirect to does not exist");
    return;
  }
  if (!bcast && !prefixes.empty()) {
    ctx.reply.Error("ERR PREFIX option requires BCAST mode to be enabled");
    return;
  }
  if (t.on && t.bcast != bcast) {
    ctx.reply.Error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (bcast && (optin || optout)) {
    ctx.reply.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    return;
  }
  if (optin && optout) {
    ctx.reply.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    return;
  }
  if ((optin && t.on && t.optout) || (optout && t.on && t.optin)) {
    ctx.reply.Error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (bcast) {
    for (size_t i = 0; i < prefixes.size(); ++i) {
      for (const std::string& existing : t.prefixes) {
        if (Overlap(existing, prefixes[i])) {
          ctx.reply.Error(OverlapError(prefixes[i], existing, true));
          return;
        }
      }
      for (size_t j = i + 1; j < prefixes.size(); ++j) {
        if (Overlap(prefixes[i], prefixes[j])) {
          ctx.reply.Error(OverlapError(prefixes[i], prefixes[j], false));
          return;
        }
      }
    }
  }
  Tracking::Mode mode;
  mode.bcast = bcast;
  mode.noloop = noloop;
  mode.redirect = static_cast<uint64_t>(redirect);
  for (std::string_view p : prefixes) mode.prefixes.emplace_back(p);
  if (tracking->Enable(ctx.client.id, mode) == Tracking::EnableResult::kNoSuchRedirect) {
    ctx.reply.Error("ERR The client ID you want redirect to does not exist");
    return;
  }
  t.on = true;
  t.bcast = bcast;
  t.optin = optin;
  t.optout = optout;
  t.noloop = noloop;
  t.redirect = mode.redirect;
  if (bcast) {
    if (prefixes.empty()) prefixes.emplace_back();
    for (std::string_view p : prefixes) t.prefixes.emplace_back(p);
    std::sort(t.prefixes.begin(), t.prefixes.end());  // TRACKINGINFO lists them sorted (rax)
  }
  ctx.reply.Ok();
}

void ClientCachingCommand(CommandContext& ctx, Args args) {
  ClientState::Tracking& t = ctx.client.tracking;
  if (!t.on) {
    ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
    return;
  }
  if (EqualsIgnoreCase(args[2], "yes")) {
    if (!t.optin) {
      ctx.reply.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
    t.caching = Caching::kYes;
  } else if (EqualsIgnoreCase(args[2], "no")) {
    if (!t.optout) {
      ctx.reply.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
    t.caching = Caching::kNo;
  } else {
    ctx.reply.Error(replies::kSyntaxError);
    return;
  }
  ctx.reply.Ok();
}

void ClientGetRedirCommand(CommandContext& ctx, Args) {
  const ClientState::Tracking& t = ctx.client.tracking;
  ctx.reply.Integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
}

void ClientTrackingInfoCommand(CommandContext& ctx, Args) {
  const ClientState::Tracking& t = ctx.client.tracking;
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("flags");
  const size_t mark = ctx.reply.BeginDeferred();
  size_t n = 1;
  ctx.reply.Bulk(t.on ? "on" : "off");
  auto flag = [&](std::string_view name) {
    ctx.reply.Bulk(name);
    ++n;
  };
  if (t.on && t.bcast) flag("bcast");
  if (t.on && t.optin) {
    flag("optin");
    if (t.caching != Caching::kNone) flag("caching-yes");
  }
  if (t.on && t.optout) {
    flag("optout");
    if (t.caching != Caching::kNone) flag("caching-no");
  }
  if (t.on && t.noloop) flag("noloop");
  Tracking* tracking = TrackingOf(ctx);
  if (t.on && tracking != nullptr && tracking->BrokenRedirect(ctx.client.id)) {
    flag("broken_redirect");
  }
  ctx.reply.EndDeferred(mark, ReplyBuilder::Aggregate::kSet, n);
  ctx.reply.Bulk("redirect");
  ctx.reply.Integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
  ctx.reply.Bulk("prefixes");
  ctx.reply.ArrayHeader(t.on ? t.prefixes.size() : 0);
  if (t.on) {
    for (const std::string& p : t.prefixes) ctx.reply.Bulk(p);
  }
}

}  // namespace

void StopTracking(CommandContext& ctx) {
  ClientState::Tracking& t = ctx.client.tracking;
  if (t.on) {
    if (Tracking* tracking = TrackingOf(ctx)) tracking->Disable(ctx.client.id);
  }
  t = ClientState::Tracking();
}

void TrackBeforeCommand(CommandContext& ctx, const CommandSpec& spec, Args args) {
  const ClientState::Tracking& t = ctx.client.tracking;
  if (t.bcast || (spec.flags & kCmdReadOnly) == 0 || spec.first_key <= 0) return;
  if ((t.optin && t.caching != Caching::kYes) || (t.optout && t.caching == Caching::kNo)) return;
  Tracking* tracking = TrackingOf(ctx);
  if (tracking == nullptr) return;
  std::vector<std::string_view> keys;
  AppendCommandKeys(spec, args, keys);
  tracking->Remember(ctx.client.id, keys);
}

void TrackAfterCommand(CommandContext& ctx, const CommandSpec& spec) {
  // Redis: CLIENT CACHING applies to the next command; CLIENT subcommands keep it.
  if (ctx.client.tracking.caching != Caching::kNone && !spec.full_name.starts_with("client|")) {
    ctx.client.tracking.caching = Caching::kNone;
  }
}

void InvalidateTracked(CommandContext& ctx, std::string_view key) {
  Tracking* tracking = TrackingOf(ctx);
  if (tracking != nullptr && tracking->active()) tracking->Invalidate(key, ctx.client.id);
}

void InvalidateAllTracked(CommandContext& ctx) {
  if (Tracking* tracking = TrackingOf(ctx)) tracking->InvalidateAll();
}

void AddTrackingSubcommands(CommandSpec& client, uint32_t flags) {
  constexpr SpecBuilder Spec("connection");
  client.subcommands.push_back(Spec("tracking", -3, flags, &ClientTrackingCommand,
                                    "Controls server-assisted client-side caching for the "
                                    "connection.",
                                    "6.0.0"));
  client.subcommands.push_back(Spec("caching", 3, flags, &ClientCachingCommand,
                                    "Instructs the server whether to track the keys in the next "
                                    "request.",
                                    "6.0.0"));
  client.subcommands.push_back(Spec("getredir", 2, flags, &ClientGetRedirCommand,
                                    "Returns the client ID to which the connection's tracking "
                                    "notifications are redirected.",
                                    "6.0.0"));
  client.subcommands.push_back(Spec("trackinginfo", 2, flags, &ClientTrackingInfoCommand,
                                    "Returns information about server-assisted client-side "
                                    "caching for the connection.",
                                    "6.2.0"));
}

}  // namespace cairn
