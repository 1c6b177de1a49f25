// MIGRATE's connection to the target node: a blocking TCP client with a timeout on every step,
// as Redis's migrateCommand has (syncWrite / syncReadLine). It runs on the I/O thread that runs
// MIGRATE, with the keyspace gate held exclusive (migrate_commands.cc): the whole server waits
// for it, as the whole of Redis waits for its MIGRATE, which is why each step is bounded by the
// command's timeout and a reply line by kMaxReplyLine. Private to the command module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn {

class MigrateLink {
 public:
  static constexpr size_t kMaxReplyLine = 64 * 1024;

  MigrateLink() = default;
  ~MigrateLink();
  MigrateLink(const MigrateLink&) = delete;
  MigrateLink& operator=(const MigrateLink&) = delete;

  // Connects within timeout_ms. False when the address does not resolve or the connection is
  // not settled in time; a refused connection fails at the first Write, as in Redis.
  bool Connect(const std::string& host, const std::string& port, int64_t timeout_ms);
  // Writes all of `bytes`, each wait for the socket bounded by the timeout.
  bool Write(std::string_view bytes);
  // Reads one reply line (without CRLF) of a simple-string or error reply: "+OK", "-ERR ...".
  // False on timeout, a closed connection, or a line longer than kMaxReplyLine.
  bool ReadLine(std::string& line);

 private:
  bool WaitFor(short events);
  int fd_ = -1;
  int64_t timeout_ms_ = 1000;
  std::string buffer_;  // bytes read past the last line
};

// Appends a RESP array of bulk strings (a command) to `out`.
void AppendRespCommand(std::string& out, std::initializer_list<std::string_view> args);

}  // namespace cairn
