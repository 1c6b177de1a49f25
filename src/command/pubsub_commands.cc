// Pub/sub commands (Redis 7.0 src/pubsub.c replies and errors): SUBSCRIBE, PSUBSCRIBE,
// UNSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and PUBSUB CHANNELS | NUMSUB | NUMPAT | SHARDCHANNELS |
// SHARDNUMSUB | HELP.
//
// The hub (cairn/pubsub/pubsub_hub.h) holds the subscriptions; the connection's Subscriber is
// its session (ClientState::subscriber), which appends delivered messages to its own output and
// wakes its writer. The connection keeps its own channel / pattern counts in ClientState: they
// put a RESP2 connection in pub/sub mode (the dispatcher's gate) and feed CLIENT LIST. Each
// confirmation is written after the hub call, so a message published to a channel right after
// the subscription took effect reaches the client after the confirmation (the session writes
// pushes that arrive during a batch after the batch's replies).
//
// Sharded pub/sub (SSUBSCRIBE ...) is a cluster feature: Cairn has no shard channels, so
// PUBSUB SHARDCHANNELS is empty and SHARDNUMSUB counts 0.
#include <string>
#include <string_view>
#include <utility>

#include "cairn/command/families.h"
#include "cairn/command/observability.h"
#include "cairn/pubsub/messages.h"
#include "cairn/pubsub/monitor_feed.h"
#include "cairn/pubsub/pubsub_hub.h"
#include "pubsub_state.h"
#include "replies.h"
#include "spec_builder.h"

namespace cairn {
namespace {

// The hub, or nullptr after replying with an error (a server without pub/sub).
PubSubHub* HubOrReply(CommandContext& ctx) {
  Observability* obs = ctx.server.observability();
  PubSubHub* hub = obs == nullptr ? nullptr : obs->pubsub;
  if (hub == nullptr) ctx.reply.Error("ERR pub/sub is not available on this server");
  return hub;
}

// SUBSCRIBE / PSUBSCRIBE need a connection that can receive pushes.
Subscriber* SubscriberOrReply(CommandContext& ctx) {
  if (ctx.client.subscriber == nullptr) {
    ctx.reply.Error("ERR this connection cannot receive pub/sub messages");
  }
  return ctx.client.subscriber;
}

int64_t Subscriptions(const ClientState& c) {
  return static_cast<int64_t>(c.sub_channels) + static_cast<int64_t>(c.sub_patterns);
}

void SubscribeGeneric(CommandContext& ctx, Args args, bool patterns) {
  PubSubHub* hub = HubOrReply(ctx);
  if (hub == nullptr) return;
  Subscriber* s = SubscriberOrReply(ctx);
  if (s == nullptr) return;
  uint32_t& mine = patterns ? ctx.client.sub_patterns : ctx.client.sub_channels;
  for (size_t i = 1; i < args.size(); ++i) {
    const SubscribeResult r = patterns ? hub->PSubscribe(s, args[i]) : hub->Subscribe(s, args[i]);
    if (r.changed) ++mine;
    AppendSubscriptionReply(ctx.reply, patterns ? "psubscribe" : "subscribe", args[i],
                            Subscriptions(ctx.client));
  }
}

void UnsubscribeGeneric(CommandContext& ctx, Args args, bool patterns) {
  const std::string_view kind = patterns ? "punsubscribe" : "unsubscribe";
  uint32_t& mine = patterns ? ctx.client.sub_patterns : ctx.client.sub_channels;
  Observability* obs = ctx.server.observability();
  PubSubHub* hub = obs == nullptr ? nullptr : obs->pubsub;
  Subscriber* s = ctx.client.subscriber;
  if (hub == nullptr || s == nullptr) {  // never subscribed to anything
    if (args.size() == 1) {
      AppendSubscriptionReply(ctx.reply, kind, std::nullopt, Subscriptions(ctx.client));
    }
    for (size_t i = 1; i < args.size(); ++i) {
      AppendSubscriptionReply(ctx.reply, kind, args[i], Subscriptions(ctx.client));
    }
    return;
  }
  if (args.size() == 1) {
    const std::vector<std::string> names =
        patterns ? hub->PUnsubscribeAll(s) : hub->UnsubscribeAll(s);
    if (names.empty()) {
      mine = 0;
      AppendSubscriptionReply(ctx.reply, kind, std::nullopt, Subscriptions(ctx.client));
      return;
    }
    for (const std::string& name : names) {
      if (mine > 0) --mine;
      AppendSubscriptionReply(ctx.reply, kind, name, Subscriptions(ctx.client));
    }
    mine = 0;
    return;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    const SubscribeResult r =
        patterns ? hub->PUnsubscribe(s, args[i]) : hub->Unsubscribe(s, args[i]);
    if (r.changed && mine > 0) --mine;
    AppendSubscriptionReply(ctx.reply, kind, args[i], Subscriptions(ctx.client));
  }
}

void SubscribeCommand(CommandContext& ctx, Args args) { SubscribeGeneric(ctx, args, false); }
void PSubscribeCommand(CommandContext& ctx, Args args) { SubscribeGeneric(ctx, args, true); }
void UnsubscribeCommand(CommandContext& ctx, Args args) { UnsubscribeGeneric(ctx, args, false); }
void PUnsubscribeCommand(CommandContext& ctx, Args args) { UnsubscribeGeneric(ctx, args, true); }

void PublishCommand(CommandContext& ctx, Args args) {
  Observability* obs = ctx.server.observability();
  PubSubHub* hub = obs == nullptr ? nullptr : obs->pubsub;
  ctx.reply.Integer(hub == nullptr ? 0 : hub->Publish(args[1], args[2]));
}

// --- PUBSUB ---

void PubSubChannelsCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {  // Redis: CHANNELS takes at most one pattern
    replies::SubcommandSyntaxError(ctx.reply, args);
    return;
  }
  PubSubHub* hub = HubOrReply(ctx);
  if (hub == nullptr) return;
  const std::vector<std::string> channels =
      args.size() == 3 ? hub->Channels(args[2]) : hub->Channels();
  ctx.reply.ArrayHeader(channels.size());
  for (const std::string& c : channels) ctx.reply.Bulk(c);
}

void PubSubNumSubCommand(CommandContext& ctx, Args args) {
  PubSubHub* hub = HubOrReply(ctx);
  if (hub == nullptr) return;
  ctx.reply.ArrayHeader((args.size() - 2) * 2);
  for (size_t i = 2; i < args.size(); ++i) {
    ctx.reply.Bulk(args[i]);
    ctx.reply.Integer(static_cast<int64_t>(hub->NumSub(args[i])));
  }
}

void PubSubNumPatCommand(CommandContext& ctx, Args) {
  PubSubHub* hub = HubOrReply(ctx);
  if (hub == nullptr) return;
  ctx.reply.Integer(static_cast<int64_t>(hub->NumPat()));
}

void PubSubShardChannelsCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    replies::SubcommandSyntaxError(ctx.reply, args);
    return;
  }
  ctx.reply.ArrayHeader(0);
}

void PubSubShardNumSubCommand(CommandContext& ctx, Args args) {
  ctx.reply.ArrayHeader((args.size() - 2) * 2);
  for (size_t i = 2; i < args.size(); ++i) {
    ctx.reply.Bulk(args[i]);
    ctx.reply.Integer(0);
  }
}

void PubSubHelpCommand(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: "
      "'*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
  };
  replies::Help(ctx.reply, "pubsub", kLines);
}

}  // namespace

bool PubSubContextAllows(CommandContext& ctx, const CommandSpec& spec) {
  if (!ctx.client.in_pubsub() || ctx.client.resp != 2) return true;
  static constexpr std::string_view kAllowed[] = {
      "ping", "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "quit", "reset"};
  for (std::string_view name : kAllowed) {
    if (spec.full_name == name) return true;
  }
  std::string msg = "ERR Can't execute '";
  msg.append(spec.full_name)
      .append(
          "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
          "this context");
  ctx.reply.Error(msg);
  return false;
}

void LeavePubSubAndMonitor(CommandContext& ctx) {
  ClientState& c = ctx.client;
  Observability* obs = ctx.server.observability();
  if (obs != nullptr && c.subscriber != nullptr) {
    if (obs->pubsub != nullptr && c.in_pubsub()) {
      obs->pubsub->UnsubscribeAll(c.subscriber);
      obs->pubsub->PUnsubscribeAll(c.subscriber);
    }
    if (obs->monitors != nullptr && c.monitor) obs->monitors->Remove(c.subscriber);
  }
  c.sub_channels = 0;
  c.sub_patterns = 0;
  c.monitor = false;
}

void RegisterPubSubCommands(CommandTable& table) {
  constexpr SpecBuilder Spec("pubsub");
  constexpr uint32_t kSub = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kPub = kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast;
  table.Register(Spec("subscribe", -2, kSub, &SubscribeCommand,
                      "Listens for messages published to channels.", "2.0.0"));
  table.Register(Spec("psubscribe", -2, kSub, &PSubscribeCommand,
                      "Listens for messages published to channels that match one or more "
                      "patterns.",
                      "2.0.0"));
  table.Register(Spec("unsubscribe", -1, kSub, &UnsubscribeCommand,
                      "Stops listening to messages posted to channels.", "2.0.0"));
  table.Register(Spec("punsubscribe", -1, kSub, &PUnsubscribeCommand,
                      "Stops listening to messages published to channels that match one or "
                      "more patterns.",
                      "2.0.0"));
  table.Register(
      Spec("publish", 3, kPub, &PublishCommand, "Posts a message to a channel.", "2.0.0"));

  constexpr uint32_t kIntro = kCmdPubSub | kCmdLoading | kCmdStale;
  CommandSpec pubsub = Spec.Container("pubsub", "A container for Pub/Sub commands.", "2.8.0");
  pubsub.subcommands.push_back(Spec("channels", -2, kIntro, &PubSubChannelsCommand,
                                    "Returns the active channels.", "2.8.0"));
  pubsub.subcommands.push_back(Spec("numsub", -2, kIntro, &PubSubNumSubCommand,
                                    "Returns a count of subscribers to channels.", "2.8.0"));
  pubsub.subcommands.push_back(Spec("numpat", 2, kIntro, &PubSubNumPatCommand,
                                    "Returns a count of unique pattern subscriptions.", "2.8.0"));
  pubsub.subcommands.push_back(Spec("shardchannels", -2, kIntro, &PubSubShardChannelsCommand,
                                    "Returns the active shard channels.", "7.0.0"));
  pubsub.subcommands.push_back(Spec("shardnumsub", -2, kIntro, &PubSubShardNumSubCommand,
                                    "Returns the count of subscribers of shard channels.",
                                    "7.0.0"));
  pubsub.subcommands.push_back(Spec("help", 2, kCmdLoading | kCmdStale, &PubSubHelpCommand,
                                    "Returns helpful text about the different subcommands.",
                                    "6.2.0"));
  table.Register(std::move(pubsub));
}

}  // namespace cairn
