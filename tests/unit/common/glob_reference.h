// Redis 7.0.8's stringmatchlen (src/util.c) transcribed as it is, exponential recursion included:
// the reference GlobMatch must agree with on inputs short enough for it (tests and the glob fuzz
// target). Works on a NUL-terminated copy, as Redis's sds strings are.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace cairn::testing {

inline int RedisStringMatchLen(const char* pattern, int patternLen, const char* string,
                               int stringLen, int nocase) {
  while (patternLen && stringLen) {
    switch (pattern[0]) {
      case '*':
        while (patternLen && pattern[1] == '*') {
          pattern++;
          patternLen--;
        }
        if (patternLen == 1) return 1; /* match */
        while (stringLen) {
          if (RedisStringMatchLen(pattern + 1, patternLen - 1, string, stringLen, nocase)) {
            return 1; /* match */
          }
          string++;
          stringLen--;
        }
        return 0; /* no match */
      case '?':
        string++;
        stringLen--;
        break;
      case '[': {
        int neg, match;
        pattern++;
        patternLen--;
        neg = pattern[0] == '^';
        if (neg) {
          pattern++;
          patternLen--;
        }
        match = 0;
        while (1) {
          if (pattern[0] == '\\' && patternLen >= 2) {
            pattern++;
            patternLen--;
            if (pattern[0] == string[0]) match = 1;
          } else if (pattern[0] == ']') {
            break;
          } else if (patternLen == 0) {
            pattern--;
            patternLen++;
            break;
          } else if (patternLen >= 3 && pattern[1] == '-') {
            int start = pattern[0];
            int end = pattern[2];
            int c = string[0];
            if (start > end) {
              int t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = tolower(start);
              end = tolower(end);
              c = tolower(c);
            }
            pattern += 2;
            patternLen -= 2;
            if (c >= start && c <= end) match = 1;
          } else {
            if (!nocase) {
              if (pattern[0] == string[0]) match = 1;
            } else {
              if (tolower((int)pattern[0]) == tolower((int)string[0])) match = 1;
            }
          }
          pattern++;
          patternLen--;
        }
        if (neg) match = !match;
        if (!match) return 0; /* no match */
        string++;
        stringLen--;
        break;
      }
      case '\\':
        if (patternLen >= 2) {
          pattern++;
          patternLen--;
        }
        /* fall through */
      default:
        if (!nocase) {
          if (pattern[0] != string[0]) return 0; /* no match */
        } else {
          if (tolower((int)pattern[0]) != tolower((int)string[0])) return 0; /* no match */
        }
        string++;
        stringLen--;
        break;
    }
    pattern++;
    patternLen--;
    if (stringLen == 0) {
      while (*pattern == '*') {
        pattern++;
        patternLen--;
      }
      break;
    }
  }
  if (patternLen == 0 && stringLen == 0) return 1;
  return 0;
}

// GlobMatch's contract in terms of Redis's function: Redis never matches the empty string, Cairn
// lets a pattern of stars match it (KEYS "*" and friends).
inline bool ReferenceGlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  if (text.empty()) return pattern.find_first_not_of('*') == std::string_view::npos;
  const std::string p(pattern), s(text);  // NUL-terminated, as sds
  return RedisStringMatchLen(p.c_str(), static_cast<int>(p.size()), s.c_str(),
                             static_cast<int>(s.size()), nocase ? 1 : 0) != 0;
}

}  // namespace cairn::testing
