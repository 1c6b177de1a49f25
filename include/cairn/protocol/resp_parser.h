// RESP2 request parser: a pure function of bytes. Given the unconsumed bytes of a connection's read
// buffer it parses at most one command and says Complete (with the arguments and the number of
// bytes consumed), NeedMore, or Error (with Redis's exact error text). No sockets, no config, no
// logging; limits are constructor arguments. Accepts multibulk (`*<n>\r\n$<len>\r\n...`) and
// inline commands (a line of space-separated words with Redis's quoting rules, for telnet).
// See proto/RESP.md for the grammar, the limits and every error string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

struct ParserLimits {
  int64_t max_bulk_len = 512 * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 1024 * 1024;   // arguments per command
  size_t max_inline_len = 64 * 1024;         // bytes in one inline line
  // Redis's authRequired(c): true while the connection must still AUTH. Then a multibulk count
  // over 10 or a bulk length over 16384 is a protocol error ("unauthenticated ... length").
  bool auth_required = false;
};

// The arguments of one parsed command. Views point into the parsed input (multibulk) or into
// `storage` (inline commands, whose quoting needs unescaping); valid until the next Parse or
// Clear and as long as the input bytes stay where they were.
struct CommandArgs {
  std::vector<std::string_view> argv;
  std::string storage;
  void Clear() {
    argv.clear();
    storage.clear();
  }
};

enum class ParseStatus : uint8_t { kComplete, kNeedMore, kError };

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;  // kComplete: bytes of input that made this command
  // kNeedMore: a lower bound of the total input bytes before the parser can say anything new,
  // complete or error (0 = unknown): while a bulk payload is pending, its end (plus the two
  // bytes that could make the next argument's count line an error), so the caller can skip
  // re-parsing a large value until it has arrived; input.size() + 1 elsewhere. Never more: a
  // malformed frame is reported as soon as its bytes are in, whatever the read boundaries.
  size_t need_bytes = 0;
  std::string_view error;  // kError: full Redis error text, e.g. "ERR Protocol error: ..."
};

class RespParser {
 public:
  explicit RespParser(ParserLimits limits = {}) : limits_(limits) {}

  // Parses one command at the start of `input`. An empty inline line (just "\r\n") is consumed
  // and yields kComplete with empty argv: the caller skips it, as Redis does.
  ParseResult Parse(std::string_view input, CommandArgs& out) const;

  const ParserLimits& limits() const { return limits_; }
  void set_limits(ParserLimits l) { limits_ = l; }

 private:
  ParserLimits limits_;
};

}  // namespace cairn
