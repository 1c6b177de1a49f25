// The command table: a vector of specs plus an open-addressing hash over the lower-case names.
// Lookup hashes the name lower-casing on the fly and compares case-insensitively, so a lookup
// allocates nothing and costs one hash and (almost always) one comparison.
#include "cairn/command/command_table.h"

#include "cairn/command/families.h"
#include "cairn/common/strings.h"

namespace cairn {
namespace {

inline unsigned char Lower(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'A' && u <= 'Z') ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
}

// FNV-1a over the lower-cased bytes.
uint64_t HashName(std::string_view name) {
  uint64_t h = 1469598103934665603ull;
  for (char c : name) {
    h ^= Lower(c);
    h *= 1099511628211ull;
  }
  return h;
}

// `lower` (a registered name, already lower case) equals `name` ignoring ASCII case: the hot
// lookup compares with Lower() instead of the locale's tolower() per byte.
bool EqualsLowerName(std::string_view lower, std::string_view name) {
  if (lower.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (static_cast<unsigned char>(lower[i]) != Lower(name[i])) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(Lower(c));
  return out;
}

// Lower-cases names, fills full names ("config|get") and lets subcommands inherit the group.
void FillNames(CommandSpec& spec, const CommandSpec* parent, uint32_t& next_id) {
  spec.name = ToLower(spec.name);
  spec.id = next_id++;
  if (parent == nullptr) {
    spec.full_name = spec.name;
  } else {
    spec.full_name = parent->name + "|" + spec.name;
    if (spec.group.empty()) spec.group = parent->group;
  }
  for (CommandSpec& sub : spec.subcommands) FillNames(sub, &spec, next_id);
}

}  // namespace

void CommandTable::Register(CommandSpec spec) {
  FillNames(spec, nullptr, next_id_);
  if (const CommandSpec* existing = Find(spec.name)) {
    commands_[static_cast<size_t>(existing - commands_.data())] = std::move(spec);
    return;
  }
  commands_.push_back(std::move(spec));
  if (slots_.size() < commands_.size() * 4) {
    Rehash();
    return;
  }
  const size_t mask = slots_.size() - 1;
  for (size_t i = HashName(commands_.back().name) & mask;; i = (i + 1) & mask) {
    if (slots_[i] == 0) {
      slots_[i] = static_cast<uint32_t>(commands_.size());
      return;
    }
  }
}

void CommandTable::Rehash() {
  size_t n = 64;
  while (n < commands_.size() * 4) n *= 2;
  slots_.assign(n, 0);
  const size_t mask = n - 1;
  for (size_t idx = 0; idx < commands_.size(); ++idx) {
    for (size_t i = HashName(commands_[idx].name) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == 0) {
        slots_[i] = static_cast<uint32_t>(idx + 1);
        break;
      }
    }
  }
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  if (slots_.empty()) return nullptr;
  const size_t mask = slots_.size() - 1;
  for (size_t i = HashName(name) & mask;; i = (i + 1) & mask) {
    const uint32_t slot = slots_[i];
    if (slot == 0) return nullptr;
    const CommandSpec& spec = commands_[slot - 1];
    if (EqualsLowerName(spec.name, name)) return &spec;
  }
}

const CommandSpec* CommandTable::FindFullName(std::string_view full_name) const {
  const size_t bar = full_name.find('|');
  if (bar == std::string_view::npos) return Find(full_name);
  const CommandSpec* parent = Find(full_name.substr(0, bar));
  if (parent == nullptr) return nullptr;
  return FindSubcommand(*parent, full_name.substr(bar + 1));
}

const CommandSpec* CommandTable::FindSubcommand(const CommandSpec& parent, std::string_view name) {
  for (const CommandSpec& sub : parent.subcommands) {
    if (EqualsLowerName(sub.name, name)) return &sub;
  }
  return nullptr;
}

void AppendCommandKeys(const CommandSpec& spec, Args args, std::vector<std::string_view>& out) {
  for (const std::string_view key : CommandKeys(spec, args)) out.push_back(key);
}

std::vector<std::string_view> CommandCategories(const CommandSpec& spec) {
  std::vector<std::string_view> cats;
  if (!spec.acl_categories.empty()) {
    for (const std::string& c : spec.acl_categories) cats.push_back(c);
    return cats;
  }
  if (spec.group == "keyspace") cats.push_back("keyspace");
  if ((spec.flags & kCmdReadOnly) != 0) cats.push_back("read");
  if ((spec.flags & kCmdWrite) != 0) cats.push_back("write");
  if (spec.group == "string") cats.push_back("string");
  if ((spec.flags & kCmdPubSub) != 0) cats.push_back("pubsub");
  if ((spec.flags & kCmdAdmin) != 0) cats.push_back("admin");
  cats.push_back((spec.flags & kCmdFast) != 0 ? "fast" : "slow");
  if ((spec.flags & (kCmdAdmin | kCmdDangerous)) != 0) cats.push_back("dangerous");
  if (spec.group == "connection") cats.push_back("connection");
  return cats;
}

void RegisterAllCommands(CommandTable& table) {
  RegisterStringCommands(table);
  RegisterKeyspaceCommands(table);
  RegisterIntrospectionCommands(table);
  RegisterConnectionCommands(table);
  RegisterServerCommands(table);
  RegisterUndoCommands(table);
  RegisterPersistenceCommands(table);
  RegisterPubSubCommands(table);
  RegisterObservabilityCommands(table);
  RegisterClusterCommands(table);
  RegisterTransactionCommands(table);
  RegisterScriptCommands(table);
  RegisterMigrateCommands(table);
  RegisterAclCommands(table);
}

}  // namespace cairn
