// ACL rule parsing and description (private to the command module; acl.cc uses them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/command/acl.h"

namespace cairn {

class CommandTable;

// ACL CAT: the categories in Redis's order.
const std::vector<std::string_view>& AclCategoryNames();
// One SETUSER rule applied to `u`; the Redis error text (after "modifier 'x': ") on failure.
std::optional<std::string> ApplyAclRule(AclUser& u, const CommandTable& table, std::string_view op);
// The error of a rule naming an unknown command or category (ACL files report each of them).
std::string_view AclUnknownRuleError();
// Sets `unrestricted` after the rules.
void FinishAclUser(AclUser& u, const CommandTable& table);
// ACL LIST / GETUSER parts.
std::string DescribeAclCommands(const AclUser& u, const CommandTable& table);
std::string DescribeAclKeys(const AclUser& u);
std::string DescribeAclChannels(const AclUser& u, bool with_reset);
std::vector<std::string_view> AclUserFlags(const AclUser& u);
std::string DescribeAclUser(const AclUser& u, const CommandTable& table);

}  // namespace cairn
