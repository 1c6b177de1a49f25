// RESP2 request parsing, a pure function of bytes.
//
// This mirrors Redis 7.0's processMultibulkBuffer / processInlineBuffer (src/networking.c) and
// sdssplitargs (src/sds.c), including their quirks, so that clients see the same replies:
//  - Lines are found the way Redis's strchr() finds them: the search stops at a NUL byte, so a NUL
//    before the '\r' (multibulk) or '\n' (inline) means "no line yet" and the client waits until
//    the line limit is exceeded.
//  - The byte after a count line's '\r' and the two bytes after a bulk payload are skipped
//    without checking that they are "\n" / "\r\n".
//  - `*0` and negative counts are consumed as empty commands; so are blank inline lines.
// Redis re-scans its query buffer incrementally; this parser re-parses from the start of the
// unconsumed input on every call and reports `need_bytes` so callers can avoid re-parsing a
// partially received large command over and over.
//
// One deliberate difference: Redis checks the line limit (64 KiB) only while no line end has
// arrived, so whether a 70 KiB inline line is accepted depends on how the bytes were chunked by
// read(). Here a line is rejected when it is longer than the limit, whatever the chunking, so the
// result is a function of the byte stream alone. See proto/RESP.md.
#include "cairn/protocol/resp_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "cairn/common/strings.h"

namespace cairn {
namespace {

constexpr std::string_view kErrInvalidMultibulk = "ERR Protocol error: invalid multibulk length";
constexpr std::string_view kErrInvalidBulk = "ERR Protocol error: invalid bulk length";
constexpr std::string_view kErrUnauthMultibulk =
    "ERR Protocol error: unauthenticated multibulk length";
constexpr std::string_view kErrUnauthBulk = "ERR Protocol error: unauthenticated bulk length";
constexpr std::string_view kErrTooBigMbulk = "ERR Protocol error: too big mbulk count string";
constexpr std::string_view kErrTooBigBulk = "ERR Protocol error: too big bulk count string";
constexpr std::string_view kErrTooBigInline = "ERR Protocol error: too big inline request";
constexpr std::string_view kErrUnbalanced = "ERR Protocol error: unbalanced quotes in request";

// Redis's authRequired() limits.
constexpr int64_t kUnauthMaxMultibulk = 10;
constexpr int64_t kUnauthMaxBulk = 16384;
// Redis preallocates at most this many argv slots from an untrusted count.
constexpr size_t kMaxArgvReserve = 1024;

// "ERR Protocol error: expected '$', got 'c'" for every byte c, built at compile time so that the
// error needs no allocation and outlives the call. Redis formats it with %c and then maps '\r' and
// '\n' to spaces (addReplyErrorFormat); a NUL cannot get here (the line search stops at it).
constexpr std::string_view kExpectedDollarPrefix = "ERR Protocol error: expected '$', got '";
constexpr size_t kExpectedDollarLen = kExpectedDollarPrefix.size() + 2;

struct ExpectedDollarTable {
  std::array<std::array<char, kExpectedDollarLen>, 256> text{};
};

constexpr ExpectedDollarTable MakeExpectedDollarTable() {
  ExpectedDollarTable t;
  for (size_t c = 0; c < 256; ++c) {
    auto& row = t.text[c];
    for (size_t i = 0; i < kExpectedDollarPrefix.size(); ++i) row[i] = kExpectedDollarPrefix[i];
    char got = static_cast<char>(c);
    if (got == '\r' || got == '\n') got = ' ';
    row[kExpectedDollarPrefix.size()] = got;
    row[kExpectedDollarPrefix.size() + 1] = '\'';
  }
  return t;
}

constexpr ExpectedDollarTable kExpectedDollar = MakeExpectedDollarTable();

std::string_view ExpectedDollarError(char got) {
  const auto& row = kExpectedDollar.text[static_cast<unsigned char>(got)];
  return {row.data(), row.size()};
}

ParseResult Complete(size_t consumed) {
  ParseResult r;
  r.status = ParseStatus::kComplete;
  r.consumed = consumed;
  return r;
}

ParseResult NeedMore(size_t need_bytes = 0) {
  ParseResult r;
  r.status = ParseStatus::kNeedMore;
  r.need_bytes = need_bytes;
  return r;
}

ParseResult Error(std::string_view text) {
  ParseResult r;
  r.status = ParseStatus::kError;
  r.error = text;
  return r;
}

constexpr size_t kNotFound = std::string_view::npos;

// Finds `ch` in input[from..) the way strchr() on Redis's NUL-terminated query buffer does:
// kNotFound if it is absent or a NUL byte comes first.
size_t FindLineEnd(std::string_view input, size_t from, char ch) {
  const char* begin = input.data() + from;
  const size_t len = input.size() - from;
  const void* hit = std::memchr(begin, ch, len);
  if (hit == nullptr) return kNotFound;
  const size_t offset = static_cast<const char*>(hit) - begin;
  if (std::memchr(begin, '\0', offset) != nullptr) return kNotFound;
  return from + offset;
}

// The fast path for the usual count line: input[start..] is 1 to 18 decimal digits without a
// leading zero (or the single digit "0") followed by '\r'. Returns the position of that '\r' and
// sets `value`; kNotFound for anything else (a sign, a NUL, a leading zero, a long number, the end
// of the input), which the general path (FindLineEnd + ParseInt64) then handles. Whenever this
// succeeds the general path finds the same '\r' and the same value: the digits hold no '\r' and
// no NUL, and string2ll accepts exactly such a digit string.
size_t ScanCountLine(std::string_view input, size_t start, int64_t& value) {
  constexpr size_t kMaxFastDigits = 18;  // < 10^18: never overflows int64_t
  const size_t end = std::min(input.size(), start + kMaxFastDigits + 1);
  uint64_t v = 0;  // unsigned: the 19th digit (rejected below) must not overflow a signed type
  size_t i = start;
  for (; i < end; ++i) {
    const auto d = static_cast<unsigned char>(input[i] - '0');
    if (d > 9) break;
    v = v * 10 + d;
  }
  const size_t digits = i - start;
  if (i == end || input[i] != '\r' || digits == 0 || digits > kMaxFastDigits ||
      (digits > 1 && input[start] == '0')) {
    return kNotFound;
  }
  value = static_cast<int64_t>(v);
  return i;
}

// C-locale isspace(): what sdssplitargs skips between arguments.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// sdssplitargs() over one inline line (which holds no NUL byte: FindLineEnd stops at one, so the
// end of the view plays the role of the C string's terminator). Unescaped arguments are appended
// to out.storage, which is reserved up front: unescaping never makes the text longer, so the views
// taken into it stay valid. Returns false on unbalanced quotes or a closing quote followed by
// something other than a space.
bool SplitArgs(std::string_view line, CommandArgs& out) {
  out.storage.reserve(line.size());
  const char* p = line.data();
  const char* const end = p + line.size();
  // *q with the terminator semantics of the C original.
  auto at = [end](const char* q) { return q < end ? *q : '\0'; };
  for (;;) {
    while (p < end && IsSpace(*p)) ++p;
    if (p == end) return true;
    const size_t start = out.storage.size();
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      const char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && IsHexDigit(at(p + 2)) && IsHexDigit(at(p + 3))) {
          out.storage.push_back(
              static_cast<char>(HexDigitValue(at(p + 2)) * 16 + HexDigitValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          char unescaped = *p;
          switch (*p) {
            case 'n':
              unescaped = '\n';
              break;
            case 'r':
              unescaped = '\r';
              break;
            case 't':
              unescaped = '\t';
              break;
            case 'b':
              unescaped = '\b';
              break;
            case 'a':
              unescaped = '\a';
              break;
            default:
              break;
          }
          out.storage.push_back(unescaped);
        } else if (c == '"') {
          // The closing quote must be followed by a space or nothing at all.
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated quotes
        } else {
          out.storage.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          out.storage.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          out.storage.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            out.storage.push_back(c);
            break;
        }
      }
      if (p < end) ++p;
    }
    out.argv.emplace_back(out.storage.data() + start, out.storage.size() - start);
  }
}

ParseResult ParseInline(const ParserLimits& limits, std::string_view input, CommandArgs& out) {
  const size_t newline = FindLineEnd(input, 0, '\n');
  if (newline == kNotFound) {
    return input.size() > limits.max_inline_len ? Error(kErrTooBigInline) : NeedMore();
  }
  if (newline > limits.max_inline_len) return Error(kErrTooBigInline);
  size_t line_len = newline;
  if (line_len > 0 && input[line_len - 1] == '\r') --line_len;
  if (!SplitArgs(input.substr(0, line_len), out)) return Error(kErrUnbalanced);
  return Complete(newline + 1);
}

ParseResult ParseMultibulk(const ParserLimits& limits, std::string_view input, CommandArgs& out) {
  // The count line: '*' <int> '\r' <any byte>.
  int64_t fast_count = 0;
  size_t header_cr = ScanCountLine(input, 1, fast_count);
  const bool fast_header = header_cr != kNotFound;
  if (!fast_header) header_cr = FindLineEnd(input, 0, '\r');
  if (header_cr == kNotFound) {
    return input.size() > limits.max_inline_len ? Error(kErrTooBigMbulk) : NeedMore();
  }
  if (header_cr > limits.max_inline_len) return Error(kErrTooBigMbulk);
  if (header_cr + 1 >= input.size()) return NeedMore();
  const std::optional<int64_t> count =
      fast_header ? std::optional<int64_t>(fast_count) : ParseInt64(input.substr(1, header_cr - 1));
  if (!count || *count > limits.max_multibulk_len) return Error(kErrInvalidMultibulk);
  if (limits.auth_required && *count > kUnauthMaxMultibulk) return Error(kErrUnauthMultibulk);
  size_t pos = header_cr + 2;
  if (*count <= 0) return Complete(pos);  // an empty command, skipped by the caller

  const size_t argc = static_cast<size_t>(*count);
  out.argv.reserve(std::min(argc, kMaxArgvReserve));
  for (size_t i = 0; i < argc; ++i) {
    const size_t args_after = argc - i - 1;
    // The bulk count line: '$' <int> '\r' <any byte>.
    int64_t fast_len = 0;
    size_t cr = pos < input.size() && input[pos] == '$' ? ScanCountLine(input, pos + 1, fast_len)
                                                        : kNotFound;
    const bool fast_line = cr != kNotFound;
    if (!fast_line) cr = FindLineEnd(input, pos, '\r');
    // An unfinished count line: the next byte or two may already finish it, and a malformed one
    // is an error then, so the hint cannot look further than the next byte.
    if (cr == kNotFound) {
      if (input.size() - pos > limits.max_inline_len) return Error(kErrTooBigBulk);
      return NeedMore(input.size() + 1);
    }
    if (cr - pos > limits.max_inline_len) return Error(kErrTooBigBulk);
    if (cr + 1 >= input.size()) return NeedMore(input.size() + 1);
    if (input[pos] != '$') return Error(ExpectedDollarError(input[pos]));
    const std::optional<int64_t> len = fast_line ? std::optional<int64_t>(fast_len)
                                                 : ParseInt64(input.substr(pos + 1, cr - pos - 1));
    if (!len || *len < 0 || *len > limits.max_bulk_len) return Error(kErrInvalidBulk);
    if (limits.auth_required && *len > kUnauthMaxBulk) return Error(kErrUnauthBulk);
    pos = cr + 2;
    // The payload and two bytes that Redis skips unchecked (normally "\r\n").
    const size_t bulk_end = pos + static_cast<size_t>(*len) + 2;
    // The payload is not checked, so nothing can be decided before it has arrived; the next
    // argument's count line can fail with its first two bytes ("\r" and any byte).
    if (bulk_end > input.size()) return NeedMore(bulk_end + (args_after > 0 ? 2 : 0));
    out.argv.emplace_back(input.data() + pos, static_cast<size_t>(*len));
    pos = bulk_end;
  }
  return Complete(pos);
}

}  // namespace

ParseResult RespParser::Parse(std::string_view input, CommandArgs& out) const {
  out.Clear();
  if (input.empty()) return NeedMore();
  ParseResult result =
      input[0] == '*' ? ParseMultibulk(limits_, input, out) : ParseInline(limits_, input, out);
  // Arguments are only meaningful for a complete command; don't leave a partial one behind.
  if (result.status != ParseStatus::kComplete) out.Clear();
  return result;
}

}  // namespace cairn
