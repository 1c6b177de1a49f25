// Checks that a command's output is a sequence of well-formed RESP2/RESP3 replies (the dispatcher
// fuzz target); aborts with the command and the output otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

namespace cairn::fuzz {

// Reads a decimal line (optional '-') ending in CRLF at `pos`; npos when malformed.
inline size_t ReadNumberLine(std::string_view s, size_t pos, int64_t& n) {
  const size_t eol = s.find("\r\n", pos);
  if (eol == std::string_view::npos || eol == pos) return std::string_view::npos;
  bool neg = s[pos] == '-';
  size_t i = pos + (neg ? 1 : 0);
  if (i == eol || eol - i > 18) return std::string_view::npos;
  n = 0;
  for (; i < eol; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::string_view::npos;
    n = n * 10 + (s[i] - '0');
  }
  if (neg) n = -n;
  return eol + 2;
}

// One reply at `pos`; returns the position after it, npos when malformed.
inline size_t SkipReply(std::string_view s, size_t pos, int depth = 0) {
  if (pos >= s.size() || depth > 64) return std::string_view::npos;
  const char type = s[pos++];
  int64_t n = 0;
  switch (type) {
    case '+':
    case '-':
    case '_':
    case ',':
    case '#':
    case '(': {  // a line without CR or LF inside
      const size_t eol = s.find("\r\n", pos);
      if (eol == std::string_view::npos) return eol;
      if (s.substr(pos, eol - pos).find_first_of("\r\n") != std::string_view::npos) {
        return std::string_view::npos;
      }
      return eol + 2;
    }
    case ':':
      return ReadNumberLine(s, pos, n);
    case '$':
    case '=':
    case '!': {
      pos = ReadNumberLine(s, pos, n);
      if (pos == std::string_view::npos || n < -1) return std::string_view::npos;
      if (n == -1) return type == '$' ? pos : std::string_view::npos;
      const size_t len = static_cast<size_t>(n);
      if (s.size() - pos < len + 2 || s.substr(pos + len, 2) != "\r\n") {
        return std::string_view::npos;
      }
      return pos + len + 2;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      pos = ReadNumberLine(s, pos, n);
      if (pos == std::string_view::npos || n < -1) return std::string_view::npos;
      if (n == -1) return type == '*' ? pos : std::string_view::npos;
      const int64_t items = (type == '%' || type == '|') ? 2 * n : n;
      for (int64_t i = 0; i < items; ++i) {
        pos = SkipReply(s, pos, depth + 1);
        if (pos == std::string_view::npos) return pos;
      }
      // An attribute precedes the reply it describes.
      return type == '|' ? SkipReply(s, pos, depth + 1) : pos;
    }
    default:
      return std::string_view::npos;
  }
}

inline void CheckReplies(std::string_view out, bool want_one,
                         std::span<const std::string_view> argv) {
  size_t pos = 0, replies = 0;
  while (pos < out.size()) {
    pos = SkipReply(out, pos);
    if (pos == std::string_view::npos) break;
    ++replies;
  }
  if (pos != std::string_view::npos && (!want_one || replies > 0)) return;
  std::string cmd;
  for (std::string_view a : argv) cmd.append(a).push_back(' ');
  std::fprintf(stderr, "%s reply to [%s]: '%s'\n",
               pos == std::string_view::npos ? "malformed" : "missing", cmd.c_str(),
               std::string(out).c_str());
  std::abort();
}

}  // namespace cairn::fuzz
