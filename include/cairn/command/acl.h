// ACL users (Redis 7.0 src/acl.c): passwords (SHA-256), on/off, command permissions by command,
// subcommand and category, key patterns (~ %R~ %W~) and channel patterns (&). One Acl per server
// (ServerContext::acl()); the dispatcher checks every command against the client's user.
//
// Users are immutable snapshots: ACL SETUSER builds a new AclUser and swaps it in, then bumps the
// version. A client keeps a shared_ptr to its user's snapshot and the version it saw; the check
// compares the version (one atomic load) and refreshes the pointer only when it moved. A user
// with every permission has `unrestricted` set: its check is that one flag.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/command/context.h"

namespace cairn {

class CommandTable;
struct CommandSpec;

// Permission bits of a key pattern (%R~ %W~; ~ is both).
enum AclKeyPerm : uint8_t { kAclKeyRead = 1, kAclKeyWrite = 2 };

struct AclKeyPattern {
  std::string pattern;
  uint8_t perms = kAclKeyRead | kAclKeyWrite;
};

struct AclUser {
  std::string name;
  bool on = false;
  bool nopass = false;
  // Redis's skip-sanitize-payload / sanitize-payload flags: shown by ACL LIST / GETUSER only.
  enum class Sanitize : uint8_t { kNone, kSkip, kSanitize } sanitize = Sanitize::kNone;
  std::vector<std::string> passwords;  // SHA-256 as 64 lower-case hex digits
  // Every command's bit set (Redis's SELECTOR_FLAG_ALLCOMMANDS): cleared by any removal.
  bool all_commands = false;
  // +@all / allcommands: Redis's reserved bit for future commands, cleared only by -@all. ACL
  // LIST starts from "+@all" when it is set.
  bool future_commands = false;
  std::vector<uint64_t> allowed;  // by CommandSpec::id
  bool all_keys = false;
  std::vector<AclKeyPattern> keys;
  bool all_channels = false;
  std::vector<std::string> channels;
  // Every command, key and channel: the dispatcher's check is this one flag.
  bool unrestricted = false;

  bool CanRun(uint32_t id) const {
    const size_t word = id / 64;
    return word < allowed.size() && ((allowed[word] >> (id % 64)) & 1) != 0;
  }
};

// Why a command was refused (ACL LOG reason).
enum class AclDenial : uint8_t { kNone, kCommand, kKey, kChannel, kAuth };
// Where (ACL LOG context).
enum class AclContext : uint8_t { kTopLevel, kMulti, kLua };

struct AclLogEntry {
  uint64_t count = 1;
  AclDenial reason = AclDenial::kCommand;
  AclContext context = AclContext::kTopLevel;
  std::string object;
  std::string username;
  int64_t created_ms = 0;
  std::string client_info;
};

class Acl {
 public:
  Acl();
  ~Acl();

  // The command table the permissions refer to (ids, categories). Bound once, at startup or by
  // the first command that needs it; later calls do nothing.
  void Bind(const CommandTable& table);
  const CommandTable* table() const { return table_.load(std::memory_order_acquire); }

  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // True while the default user is on and nopass: new connections start authenticated.
  bool default_open() const { return default_open_.load(std::memory_order_acquire); }

  // requirepass: the default user's only password ("" = nopass), as Redis's
  // ACLUpdateDefaultUserPassword.
  void SetDefaultPassword(std::string_view password);

  // Applies ACL SETUSER rules to `name` (created when missing) as one change: on error, nothing
  // changes and the Redis error text (without "ERR ") is returned.
  std::optional<std::string> SetUser(std::string_view name, std::span<const std::string_view> ops);
  // Removes users; returns how many existed. "default" must be refused by the caller.
  size_t DeleteUsers(std::span<const std::string_view> names);
  std::shared_ptr<const AclUser> Find(std::string_view name) const;
  std::vector<std::shared_ptr<const AclUser>> Users() const;  // sorted by name

  // The ACL LIST line of a user ("user alice on #... ~* &* +@all").
  std::string Describe(const AclUser& user) const;
  // The command rules part ("-@all +get").
  std::string DescribeCommands(const AclUser& user) const;

  // AUTH / HELLO AUTH: the user when `password` opens it (user on, nopass or a matching hash).
  std::shared_ptr<const AclUser> Authenticate(std::string_view name,
                                              std::string_view password) const;

  // The permission check (ACLCheckAllUserCommandPerm): kNone or why, with the argument index of
  // the refused key or channel in `pos`.
  AclDenial Check(const AclUser& user, const CommandSpec& spec, Args args, size_t& pos) const;

  // The client's user, re-read when the users changed since the client last looked (rare).
  const AclUser& ClientUser(ClientState& client) const {
    if (client.acl_version != version()) [[unlikely]]
      Refresh(client);
    return *client.acl_user;
  }
  void Refresh(ClientState& client) const;
  // AUTH / RESET: the client runs as `user` from now on.
  void SetClientUser(ClientState& client, std::shared_ptr<const AclUser> user) const;

  // ACL LOG.
  void Log(AclDenial reason, AclContext context, std::string_view object, std::string_view username,
           std::string client_info);
  std::vector<AclLogEntry> LogEntries(size_t count) const;  // newest first
  void ResetLog();
  void SetLogMaxLen(size_t n);
  // Denials by reason since start or CONFIG RESETSTAT (INFO stats acl_access_denied_*, the
  // fields Redis 7.2 added; 7.0 shows them only in ACL LOG).
  uint64_t denied(AclDenial reason) const {
    return denied_[static_cast<size_t>(reason)].load(std::memory_order_relaxed);
  }
  void ResetDenied() {
    for (auto& d : denied_) d.store(0, std::memory_order_relaxed);
  }

  // ACL SAVE / LOAD: the users as an ACL file, and a file's users replacing the current ones
  // (the default user is updated in place). On error nothing changes; the message is Redis's.
  std::string SerializeUsers() const;
  // `source` names the file in the errors ("users.acl:3: ...", as Redis's ACLLoadFromFile).
  std::optional<std::string> LoadUsers(std::string_view text, std::string_view source);
  // Validates and applies `user` lines (config file): each is the arguments after "user".
  std::optional<std::string> LoadUserLines(const std::vector<std::vector<std::string>>& lines);

  // aclfile: "" = none.
  void SetFile(std::string path);
  std::string file() const;

 private:
  // After users_ changed (unique lock held): the default user's state, then a new version.
  void Publish();

  std::atomic<const CommandTable*> table_{nullptr};
  std::once_flag bind_once_;
  // By CommandSpec::id: how a command touches its keys and channels (acl.cc KeyClass).
  std::vector<uint8_t> key_class_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users_;
  std::shared_ptr<const AclUser> default_user_;
  std::atomic<uint64_t> version_{1};
  std::atomic<bool> default_open_{true};
  std::string file_;

  mutable std::mutex log_mu_;
  std::deque<AclLogEntry> log_;
  size_t log_max_len_ = 128;
  std::atomic<uint64_t> denied_[5] = {};
};

}  // namespace cairn
