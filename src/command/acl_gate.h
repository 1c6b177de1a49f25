// Where the command layer asks the ACL (private to the command module; acl_check.cc).
#pragma once

#include <vector>

#include "cairn/command/acl.h"
#include "cairn/command/command_table.h"

namespace cairn {

// The dispatcher's gate: a user with every permission pays one version compare and one flag.
bool AclAllowsSlow(CommandContext& ctx, const CommandSpec& spec, Args args);
inline bool AclAllows(CommandContext& ctx, const CommandSpec& spec, Args args) {
  if (ctx.server.acl().ClientUser(ctx.client).unrestricted) [[likely]]
    return true;
  return AclAllowsSlow(ctx, spec, args);
}

// EXEC, before each queued command: the rules may have changed since it was queued (Redis's
// "ACLs rules changed ..." error, logged with context multi).
bool AclAllowsQueued(CommandContext& ctx, Args args);

// redis.call / redis.pcall: the Redis error text when the script's user may not run this
// command; nullptr when it may (logged with context lua).
const char* AclScriptRefusal(CommandContext& ctx, const CommandSpec& spec, Args args);

// A channel (or, with is_pattern, a pattern compared literally) the user may use.
bool AclChannelAllowed(const AclUser& user, std::string_view channel, bool is_pattern);

// ACL LOG's reply: a map per entry, newest first.
void ReplyAclLog(ReplyBuilder& reply, const std::vector<AclLogEntry>& entries);

}  // namespace cairn
