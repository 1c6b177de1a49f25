// A port of Redis's stringmatchlen (src/util.c), iterative where Redis recurses on '*' only for
// the rest of the pattern; binary-safe.
#include "cairn/common/glob.h"

#include <cctype>

namespace cairn {
namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

bool Match(const char* p, size_t plen, const char* s, size_t slen, bool nocase, int nesting) {
  if (nesting > 1000) return false;  // pathological patterns: give up like Redis does
  while (plen > 0 && slen > 0) {
    switch (p[0]) {
      case '*': {
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;
        while (slen > 0) {
          if (Match(p + 1, plen - 1, s, slen, nocase, nesting + 1)) return true;
          ++s;
          --slen;
        }
        return false;
      }
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool matched = false;
        while (true) {
          if (plen == 0) {
            // Unterminated class: Redis treats the '[' as ending here.
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            ++p;
            --plen;
            if (p[0] == s[0]) matched = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            char start = Fold(p[0], nocase), end = Fold(p[2], nocase), c = Fold(s[0], nocase);
            if (start > end) std::swap(start, end);
            if (c >= start && c <= end) matched = true;
            p += 2;
            plen -= 2;
          } else if (Fold(p[0], nocase) == Fold(s[0], nocase)) {
            matched = true;
          }
          ++p;
          --plen;
        }
        if (plen == 0) {  // keep pointing at the last char so the loop's advance is balanced
          --p;
          ++plen;
        }
        if (negate) matched = !matched;
        if (!matched) return false;
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (Fold(p[0], nocase) != Fold(s[0], nocase)) return false;
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen > 0 && p[0] == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  if (text.empty()) {  // Redis's matcher never matches "" (KEYS special-cases "*"); we do it here
    return pattern.find_first_not_of('*') == std::string_view::npos;
  }
  return Match(pattern.data(), pattern.size(), text.data(), text.size(), nocase, 0);
}

}  // namespace cairn
