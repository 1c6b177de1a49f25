// The ACL users: a map of immutable snapshots behind a reader-writer lock, and a version that
// tells clients when to re-read theirs (acl.h). Rules are parsed in acl_rules.cc; the check and
// ACL LOG are in acl_check.cc.
#include "cairn/command/acl.h"

#include <algorithm>

#include "acl_rules.h"
#include "cairn/command/command_table.h"
#include "digest.h"

namespace cairn {
namespace {

constexpr std::string_view kDefault = "default";

// Same time for every mismatch position (Redis's time_independent_strcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

// Redis's ACLCreateDefaultUser: on nopass ~* &* +@all.
AclUser DefaultUser(const CommandTable* table) {
  AclUser u;
  u.name = kDefault;
  u.on = true;
  u.nopass = true;
  u.all_keys = true;
  u.all_channels = true;
  u.all_commands = true;
  u.future_commands = true;
  u.unrestricted = true;
  if (table != nullptr) {
    ApplyAclRule(u, *table, "+@all");
    FinishAclUser(u, *table);
  }
  return u;
}

// Splits an ACL file line on blanks ("quoted words" kept whole).
std::vector<std::string> SplitWords(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size()) break;
    std::string word;
    if (line[i] == '"') {
      ++i;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        word.push_back(line[i++]);
      }
      ++i;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
        word.push_back(line[i++]);
      }
    }
    out.push_back(std::move(word));
  }
  return out;
}

}  // namespace

std::shared_ptr<Acl> MakeAcl() { return std::make_shared<Acl>(); }

Acl::Acl() {
  auto def = std::make_shared<const AclUser>(DefaultUser(nullptr));
  users_.emplace(std::string(kDefault), def);
  default_user_ = std::move(def);
}

Acl::~Acl() = default;

// Readers hold the shared lock for as long as they look at users_, so the map is changed in place
// under the unique lock (one change costs O(log users), not a copy of every user).
void Acl::Publish() {
  default_user_ = users_.at(std::string(kDefault));
  default_open_.store(default_user_->on && default_user_->nopass, std::memory_order_release);
  version_.fetch_add(1, std::memory_order_acq_rel);
}

void Acl::SetDefaultPassword(std::string_view password) {
  std::unique_lock lock(mu_);
  AclUser u = *default_user_;
  u.passwords.clear();
  u.nopass = password.empty();
  if (!password.empty()) u.passwords.push_back(Sha256Hex(password));
  users_[std::string(kDefault)] = std::make_shared<const AclUser>(std::move(u));
  Publish();
}

std::optional<std::string> Acl::SetUser(std::string_view name,
                                        std::span<const std::string_view> ops) {
  const CommandTable* t = table();
  if (t == nullptr) return std::string("ACL is not ready");
  std::unique_lock lock(mu_);
  AclUser u;
  if (auto it = users_.find(name); it != users_.end()) {
    u = *it->second;
  } else {
    u.name = name;
    u.allowed.assign((t->id_count() + 63) / 64, 0);
  }
  for (std::string_view op : ops) {
    if (auto err = ApplyAclRule(u, *t, op)) {
      std::string msg = "Error in ACL SETUSER modifier '";
      msg.append(op).append("': ").append(*err);
      return msg;
    }
  }
  FinishAclUser(u, *t);
  users_[std::string(name)] = std::make_shared<const AclUser>(std::move(u));
  Publish();
  return std::nullopt;
}

size_t Acl::DeleteUsers(std::span<const std::string_view> names) {
  std::unique_lock lock(mu_);
  size_t deleted = 0;
  for (std::string_view name : names) {
    if (name == kDefault) continue;
    if (auto it = users_.find(name); it != users_.end()) {
      users_.erase(it);
      ++deleted;
    }
  }
  if (deleted != 0) Publish();
  return deleted;
}

std::shared_ptr<const AclUser> Acl::Find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const AclUser>> Acl::Users() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<const AclUser>> out;
  out.reserve(users_.size());
  for (const auto& [name, user] : users_) out.push_back(user);
  return out;
}

std::string Acl::Describe(const AclUser& user) const { return DescribeAclUser(user, *table()); }

std::string Acl::DescribeCommands(const AclUser& user) const {
  return DescribeAclCommands(user, *table());
}

std::shared_ptr<const AclUser> Acl::Authenticate(std::string_view name,
                                                 std::string_view password) const {
  std::shared_ptr<const AclUser> u = Find(name);
  if (u == nullptr || !u->on) return nullptr;
  if (u->nopass) return u;
  const std::string hash = Sha256Hex(password);
  bool match = false;
  for (const std::string& p : u->passwords) match |= ConstantTimeEquals(p, hash);
  return match ? u : nullptr;
}

void Acl::Refresh(ClientState& client) const {
  std::shared_lock lock(mu_);
  client.acl_version = version_.load(std::memory_order_acquire);
  if (client.acl_user == nullptr) {
    client.acl_user = default_user_;
    return;
  }
  auto it = users_.find(client.acl_user->name);
  if (it != users_.end()) {
    client.acl_user = it->second;
    return;
  }
  // Deleted (ACL DELUSER closes its clients): nothing is allowed until the connection closes.
  auto gone = std::make_shared<AclUser>();
  gone->name = client.acl_user->name;
  client.acl_user = std::move(gone);
}

void Acl::SetClientUser(ClientState& client, std::shared_ptr<const AclUser> user) const {
  Refresh(client);
  client.acl_user = std::move(user);
}

std::string Acl::SerializeUsers() const {
  std::string out;
  for (const auto& u : Users()) out.append(Describe(*u)).push_back('\n');
  return out;
}

std::optional<std::string> Acl::LoadUsers(std::string_view text, std::string_view source) {
  const CommandTable* t = table();
  if (t == nullptr) return std::string("ACL is not ready");
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users;
  std::vector<std::string> seen;
  size_t line_no = 0;
  std::string errors;  // Redis's texts, one after the other
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::vector<std::string> words = SplitWords(line);
    if (words.empty()) continue;  // as Redis 7.0: blank lines only (a '#' line is an error)
    const std::string where = std::string(source) + ":" + std::to_string(line_no);
    if (words[0] != "user" || words.size() < 2) {
      errors.append(where).append(" should start with user keyword followed by the username. ");
      continue;
    }
    if (std::find(seen.begin(), seen.end(), words[1]) != seen.end()) {
      errors.append("WARNING: Duplicate user '").append(words[1]).append("' found on line ");
      errors.append(std::to_string(line_no)).append(". ");
      continue;
    }
    seen.push_back(words[1]);
    AclUser u;
    u.name = words[1];
    u.allowed.assign((t->id_count() + 63) / 64, 0);
    // As Redis 7.0: every unknown command or category is reported, other errors only the first.
    bool ok = true;
    bool reported = false;
    for (size_t i = 2; i < words.size(); ++i) {
      auto err = ApplyAclRule(u, *t, words[i]);
      if (!err) continue;
      ok = false;
      if (*err == AclUnknownRuleError()) {
        errors.append(where).append(": Error in applying operation '").append(words[i]);
        errors.append("': ").append(*err).append(". ");
      } else if (!reported) {
        errors.append(where).append(": ").append(*err).append(". ");
        reported = true;
      }
    }
    if (!ok) continue;
    FinishAclUser(u, *t);
    std::string name = u.name;
    users.emplace(std::move(name), std::make_shared<const AclUser>(std::move(u)));
  }
  if (!errors.empty()) {
    return errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules was "
           "performed";
  }
  if (users.count(std::string(kDefault)) == 0) {
    users.emplace(std::string(kDefault), std::make_shared<const AclUser>(DefaultUser(t)));
  }
  std::unique_lock lock(mu_);
  users_ = std::move(users);
  Publish();
  return std::nullopt;
}

std::optional<std::string> Acl::LoadUserLines(const std::vector<std::vector<std::string>>& lines) {
  std::vector<std::string_view> seen;
  for (const std::vector<std::string>& line : lines) {
    if (line.empty()) continue;
    if (std::find(seen.begin(), seen.end(), line[0]) != seen.end()) {
      return "Duplicate user found. A user can only be defined once in config files";
    }
    seen.push_back(line[0]);
    // As Redis's ACLLoadConfiguredUsers: a user defined here starts from "reset".
    std::vector<std::string_view> ops = {"reset"};
    ops.insert(ops.end(), line.begin() + 1, line.end());
    if (auto err = SetUser(line[0], ops)) return err;
  }
  return std::nullopt;
}

void Acl::SetFile(std::string path) {
  std::unique_lock lock(mu_);
  file_ = std::move(path);
}

std::string Acl::file() const {
  std::shared_lock lock(mu_);
  return file_;
}

}  // namespace cairn
