// ACL rules (Redis 7.0 src/acl.c ACLSetUser / ACLSetSelector / ACLDescribeUser): one rule edits a
// user being built; the description is rebuilt from the user's bits as Redis does (categories
// that fit best, then single commands), so ACL LIST reads as Redis's.
#include "acl_rules.h"

#include <algorithm>

#include "cairn/command/command_table.h"
#include "cairn/common/strings.h"
#include "digest.h"

namespace cairn {

const std::vector<std::string_view>& AclCategoryNames() {
  static const std::vector<std::string_view> kNames = {
      "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
      "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
      "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
  return kNames;
}

namespace {

std::string ToLowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return out;
}

bool InCategory(const CommandSpec& spec, std::string_view category) {
  for (std::string_view c : CommandCategories(spec)) {
    if (c == category) return true;
  }
  return false;
}

void SetBit(AclUser& u, uint32_t id, bool value) {
  const size_t word = id / 64;
  if (u.allowed.size() <= word) u.allowed.resize(word + 1, 0);
  const uint64_t bit = uint64_t{1} << (id % 64);
  if (value) {
    u.allowed[word] |= bit;
  } else {
    u.allowed[word] &= ~bit;
    u.all_commands = false;  // as Redis: any removal clears the all-commands flag
  }
}

// ACLChangeSelectorPerm: the command and all its subcommands.
void ChangePerm(AclUser& u, const CommandSpec& spec, bool value) {
  SetBit(u, spec.id, value);
  for (const CommandSpec& sub : spec.subcommands) SetBit(u, sub.id, value);
}

// ACLSetSelectorCommandBitsForCategory.
void SetCategory(AclUser& u, const std::vector<CommandSpec>& specs, std::string_view category,
                 bool value) {
  for (const CommandSpec& spec : specs) {
    if (InCategory(spec, category)) ChangePerm(u, spec, value);
    if (!spec.subcommands.empty()) SetCategory(u, spec.subcommands, category, value);
  }
}

void SetAll(AclUser& u, const CommandTable& table, bool value) {
  u.allowed.assign((table.id_count() + 63) / 64, value ? ~uint64_t{0} : 0);
  u.all_commands = value;
  u.future_commands = value;
}

bool ValidHash(std::string_view h) {
  if (h.size() != 64) return false;
  return std::all_of(h.begin(), h.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The hash a password rule names: ">pw" / "<pw" hash the clear text, "#hash" / "!hash" give it.
// False for a malformed hash.
bool RuleHash(std::string_view op, std::string& hash) {
  const std::string_view rest = op.substr(1);
  if (op[0] == '>' || op[0] == '<') {
    hash = Sha256Hex(rest);
    return true;
  }
  if (!ValidHash(rest)) return false;
  hash = rest;
  return true;
}

constexpr std::string_view kBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";

bool ValidCategory(std::string_view name) {
  const auto& names = AclCategoryNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

constexpr std::string_view kUnknown = "Unknown command or category name in ACL";
constexpr std::string_view kSyntax = "Syntax error";

std::optional<std::string> SetKeyPattern(AclUser& u, std::string_view op) {
  uint8_t perms = 0;
  size_t offset = 1;
  if (op[0] == '%') {
    for (; offset < op.size(); ++offset) {
      const char c = static_cast<char>(op[offset] & ~0x20);
      if (c == 'R' && (perms & kAclKeyRead) == 0) {
        perms |= kAclKeyRead;
      } else if (c == 'W' && (perms & kAclKeyWrite) == 0) {
        perms |= kAclKeyWrite;
      } else if (op[offset] == '~') {
        ++offset;
        break;
      } else {
        return std::string(kSyntax);
      }
    }
    if (perms == 0) return std::string(kSyntax);  // as Redis, "%R" alone is "%R~" (empty)
  } else {
    perms = kAclKeyRead | kAclKeyWrite;
  }
  if (u.all_keys) {
    return std::string(
        "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
        "have any effect. Try 'resetkeys' to start with an empty list of patterns");
  }
  const std::string_view pattern = op.substr(offset);
  if (pattern == "*" && perms == (kAclKeyRead | kAclKeyWrite)) {
    u.all_keys = true;
    u.keys.clear();
    return std::nullopt;
  }
  for (AclKeyPattern& k : u.keys) {
    if (k.pattern == pattern) {
      k.perms |= perms;
      return std::nullopt;
    }
  }
  u.keys.push_back({std::string(pattern), perms});
  return std::nullopt;
}

std::optional<std::string> SetChannelPattern(AclUser& u, std::string_view pattern) {
  if (u.all_channels) {
    return std::string(
        "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
        "not have any effect. Try 'resetchannels' to start with an empty list of channels");
  }
  if (pattern == "*") {
    u.all_channels = true;
    u.channels.clear();
    return std::nullopt;
  }
  if (std::find(u.channels.begin(), u.channels.end(), pattern) == u.channels.end()) {
    u.channels.emplace_back(pattern);
  }
  return std::nullopt;
}

std::optional<std::string> SetCommandRule(AclUser& u, const CommandTable& table,
                                          std::string_view op) {
  const bool allow = op[0] == '+';
  const std::string_view name = op.substr(1);
  if (!name.empty() && name[0] == '@') {
    const std::string cat = ToLowerCopy(name.substr(1));
    if (cat == "all") {
      SetAll(u, table, allow);
      return std::nullopt;
    }
    if (!ValidCategory(cat)) return std::string(kUnknown);
    SetCategory(u, table.all(), cat, allow);
    return std::nullopt;
  }
  const size_t bar = name.find('|');
  if (bar == std::string_view::npos) {
    const CommandSpec* spec = table.Find(name);
    if (spec == nullptr) return std::string(kUnknown);
    ChangePerm(u, *spec, allow);
    return std::nullopt;
  }
  const CommandSpec* parent = table.Find(name.substr(0, bar));
  if (parent == nullptr) return std::string(kUnknown);
  if (allow && bar + 1 == name.size()) return std::string(kSyntax);
  if (parent->subcommands.empty()) {
    // First-argument rules (+select|0) are deprecated in Redis 7.0; Cairn does not keep them.
    return std::string(kUnknown);
  }
  const CommandSpec* sub = CommandTable::FindSubcommand(*parent, name.substr(bar + 1));
  if (sub == nullptr) return std::string(kUnknown);
  ChangePerm(u, *sub, allow);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ApplyAclRule(AclUser& u, const CommandTable& table,
                                        std::string_view op) {
  if (EqualsIgnoreCase(op, "on")) {
    u.on = true;
  } else if (EqualsIgnoreCase(op, "off")) {
    u.on = false;
  } else if (EqualsIgnoreCase(op, "skip-sanitize-payload")) {
    u.sanitize = AclUser::Sanitize::kSkip;
  } else if (EqualsIgnoreCase(op, "sanitize-payload")) {
    u.sanitize = AclUser::Sanitize::kSanitize;
  } else if (EqualsIgnoreCase(op, "nopass")) {
    u.nopass = true;
    u.passwords.clear();
  } else if (EqualsIgnoreCase(op, "resetpass")) {
    u.nopass = false;
    u.passwords.clear();
  } else if (EqualsIgnoreCase(op, "reset")) {
    u.nopass = false;
    u.passwords.clear();
    u.all_keys = false;
    u.keys.clear();
    u.all_channels = false;
    u.channels.clear();
    u.on = false;
    u.sanitize = AclUser::Sanitize::kSanitize;
    SetAll(u, table, false);
  } else if (EqualsIgnoreCase(op, "allkeys")) {
    u.all_keys = true;
    u.keys.clear();
  } else if (EqualsIgnoreCase(op, "resetkeys")) {
    u.all_keys = false;
    u.keys.clear();
  } else if (EqualsIgnoreCase(op, "allchannels")) {
    u.all_channels = true;
    u.channels.clear();
  } else if (EqualsIgnoreCase(op, "resetchannels")) {
    u.all_channels = false;
    u.channels.clear();
  } else if (EqualsIgnoreCase(op, "allcommands")) {
    SetAll(u, table, true);
  } else if (EqualsIgnoreCase(op, "nocommands")) {
    SetAll(u, table, false);
  } else if (EqualsIgnoreCase(op, "clearselectors")) {
    // Cairn has no selectors: nothing to clear.
  } else if (op.empty()) {
    return std::string(kSyntax);
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (!RuleHash(op, hash)) return std::string(kBadHash);
    if (std::find(u.passwords.begin(), u.passwords.end(), hash) == u.passwords.end()) {
      u.passwords.push_back(std::move(hash));
    }
    u.nopass = false;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (!RuleHash(op, hash)) return std::string(kBadHash);
    auto it = std::find(u.passwords.begin(), u.passwords.end(), hash);
    if (it == u.passwords.end()) {
      return std::string("The password you are trying to remove from the user does not exist");
    }
    u.passwords.erase(it);
  } else if (op[0] == '~' || op[0] == '%') {
    return SetKeyPattern(u, op);
  } else if (op[0] == '&') {
    return SetChannelPattern(u, op.substr(1));
  } else if (op[0] == '+' || op[0] == '-') {
    return SetCommandRule(u, table, op);
  } else {
    return std::string(kSyntax);
  }
  return std::nullopt;
}

std::string_view AclUnknownRuleError() { return kUnknown; }

void FinishAclUser(AclUser& u, const CommandTable& table) {
  const uint32_t n = table.id_count();
  bool every = true;
  for (uint32_t id = 0; id < n && every; ++id) every = u.CanRun(id);
  u.unrestricted = every && u.all_keys && u.all_channels;
}

namespace {

void CountCategory(const AclUser& u, const CommandTable& table, std::string_view category,
                   size_t& on, size_t& off) {
  on = off = 0;
  for (const CommandSpec& spec : table.all()) {
    if (!InCategory(spec, category)) continue;
    (u.CanRun(spec.id) ? on : off) += 1;
  }
}

void SingleCommands(const AclUser& u, AclUser& fake, const std::vector<CommandSpec>& specs,
                    std::string& rules) {
  for (const CommandSpec& spec : specs) {
    const bool userbit = u.CanRun(spec.id);
    if (userbit != fake.CanRun(spec.id)) {
      rules.append(userbit ? "+" : "-").append(spec.full_name).push_back(' ');
      ChangePerm(fake, spec, userbit);
    }
    if (!spec.subcommands.empty()) SingleCommands(u, fake, spec.subcommands, rules);
  }
}

}  // namespace

std::string DescribeAclCommands(const AclUser& u, const CommandTable& table) {
  std::string rules;
  AclUser fake;
  const bool additive = !u.future_commands;
  rules = additive ? "-@all " : "+@all ";
  SetAll(fake, table, !additive);
  AclUser temp;
  temp.allowed = u.allowed;
  temp.allowed.resize((table.id_count() + 63) / 64, 0);
  for (std::string_view cat : AclCategoryNames()) {
    size_t on = 0, off = 0;
    CountCategory(temp, table, cat, on, off);
    if ((additive && on > off) || (!additive && off > on)) {
      SetCategory(fake, table.all(), cat, additive);
      SetCategory(temp, table.all(), cat, !additive);
      rules.append(additive ? "+@" : "-@").append(cat).push_back(' ');
    }
  }
  SingleCommands(u, fake, table.all(), rules);
  rules.pop_back();
  return rules;
}

std::string DescribeAclKeys(const AclUser& u) {
  if (u.all_keys) return "~*";
  std::string out;
  for (const AclKeyPattern& k : u.keys) {
    if (!out.empty()) out.push_back(' ');
    if (k.perms == kAclKeyRead) {
      out.append("%R~");
    } else if (k.perms == kAclKeyWrite) {
      out.append("%W~");
    } else {
      out.push_back('~');
    }
    out.append(k.pattern);
  }
  return out;
}

std::string DescribeAclChannels(const AclUser& u, bool with_reset) {
  if (u.all_channels) return "&*";
  std::string out = with_reset ? "resetchannels" : "";
  for (const std::string& c : u.channels) {
    if (!out.empty()) out.push_back(' ');
    out.append("&").append(c);
  }
  return out;
}

std::vector<std::string_view> AclUserFlags(const AclUser& u) {
  std::vector<std::string_view> flags;
  flags.push_back(u.on ? "on" : "off");
  if (u.nopass) flags.push_back("nopass");
  if (u.sanitize == AclUser::Sanitize::kSkip) flags.push_back("skip-sanitize-payload");
  if (u.sanitize == AclUser::Sanitize::kSanitize) flags.push_back("sanitize-payload");
  return flags;
}

std::string DescribeAclUser(const AclUser& u, const CommandTable& table) {
  std::string out = "user ";
  out.append(u.name);
  for (std::string_view f : AclUserFlags(u)) out.append(" ").append(f);
  for (const std::string& p : u.passwords) out.append(" #").append(p);
  const std::string keys = DescribeAclKeys(u);
  if (!keys.empty()) out.append(" ").append(keys);
  out.append(" ").append(DescribeAclChannels(u, true));
  out.append(" ").append(DescribeAclCommands(u, table));
  return out;
}

}  // namespace cairn
