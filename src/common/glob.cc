// Redis-compatible glob matching: the semantics of Redis 7.0's stringmatchlen (src/util.c), token
// for token, without its exponential backtracking.
//
// Redis recurses at every '*' over every suffix of the string, so "a*a*a*...b" against a long
// run of 'a' costs about (string length)^(stars) steps (CVE-2022-36021; 7.0.9 added a cut-off
// that still leaves it polynomial in the number of stars). Every token other than '*' ('?', a
// class, an escape, a literal) consumes exactly one byte, so the classic greedy matcher is exact:
// remember only the latest '*'; on a mismatch, let that star swallow one more byte and resume
// just after it. An earlier star never needs to be revisited, because whatever it could absorb
// the latest star can absorb as well. Each restart advances the star's anchor by one byte and
// walks at most the pattern, so a match costs at most (pattern + 1) x (string + 1) token steps,
// whatever the input. Classes are scanned token by token and counted the same way.
//
// Quirks kept from Redis: an unterminated class ends at the end of the pattern (its last byte is
// the class's last member); a trailing '\' is a literal backslash; ranges compare signed chars
// (with nocase, folded as glibc's tolower() folds them: see FoldForRange) and may be given
// backwards ([z-a]); an escaped byte inside a class is compared without case
// folding; an empty string is matched only by a pattern of stars (see GlobMatch below).
#include "cairn/common/glob.h"

#include <cctype>
#include <utility>

namespace cairn {
namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// A range bound or the byte tested against it, as Redis compares them: signed chars, but with
// nocase each goes through tolower() on its (signed) int value, and glibc's tolower() gives a
// byte 0x80-0xfe back as 128-254 and leaves 0xff (EOF, -1) at -1. So [*-\xa2] holds '*' but with
// nocase holds nothing (162 > 42 once folded), exactly as in Redis on Linux.
int FoldForRange(char c, bool nocase) {
  if (!nocase || c == -1) return c;
  return std::tolower(static_cast<unsigned char>(c));
}

// Matches the class starting just after its '[' at p[0..plen) against byte c. Returns the number
// of pattern bytes the class takes after the '[' (including its ']' when present) and sets
// `matched`. Adds one step per member examined to `steps` (the caller counted the token itself),
// so a class costs at most its length in pattern bytes, as the bound in the top comment needs.
size_t MatchClass(const char* p, size_t plen, char c, bool nocase, bool& matched, size_t& steps) {
  size_t i = 0;
  const bool negate = plen > 0 && p[0] == '^';
  if (negate) ++i;
  bool hit = false;
  while (true) {
    if (i >= plen) {  // unterminated: the class ends with the pattern (Redis's pattern--)
      i = plen;
      break;
    }
    if (p[i] != ']') ++steps;  // one step per member; the '[' was the token's own step
    if (p[i] == '\\' && plen - i >= 2) {
      ++i;
      if (p[i] == c) hit = true;
    } else if (p[i] == ']') {
      ++i;  // the closing bracket belongs to the class
      break;
    } else if (plen - i >= 3 && p[i + 1] == '-') {
      // As Redis: order the bounds first, fold them afterwards ([Z-a] with nocase is empty).
      char start = p[i], end = p[i + 2];
      if (start > end) std::swap(start, end);
      const int lo = FoldForRange(start, nocase), hi = FoldForRange(end, nocase);
      const int folded = FoldForRange(c, nocase);
      if (folded >= lo && folded <= hi) hit = true;
      i += 2;
    } else if (Fold(p[i], nocase) == Fold(c, nocase)) {
      hit = true;
    }
    ++i;
    if (i > plen) i = plen;
  }
  matched = negate ? !hit : hit;
  return i;
}

// Matches the one-byte token at p[0..plen) (not a '*') against c; returns the token's length in
// pattern bytes and sets `matched`. Match counts the token's step; classes add their members.
size_t MatchToken(const char* p, size_t plen, char c, bool nocase, bool& matched, size_t& steps) {
  switch (p[0]) {
    case '?':
      matched = true;
      return 1;
    case '[':
      return 1 + MatchClass(p + 1, plen - 1, c, nocase, matched, steps);
    case '\\':
      if (plen >= 2) {
        matched = Fold(p[1], nocase) == Fold(c, nocase);
        return 2;
      }
      [[fallthrough]];
    default:
      matched = Fold(p[0], nocase) == Fold(c, nocase);
      return 1;
  }
}

bool Match(std::string_view pattern, std::string_view text, bool nocase, size_t& steps) {
  const char* p = pattern.data();
  const size_t plen = pattern.size();
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos;  // pattern position just after the latest '*'
  size_t star_s = 0;                       // text position that star has swallowed up to
  while (si < text.size()) {
    ++steps;
    if (pi < plen && p[pi] == '*') {
      while (pi < plen && p[pi] == '*') ++pi;
      if (pi == plen) return true;  // a trailing star takes the rest
      star_p = pi;
      star_s = si;
      continue;
    }
    if (pi < plen) {
      bool matched = false;
      const size_t len = MatchToken(p + pi, plen - pi, text[si], nocase, matched, steps);
      if (matched) {
        pi += len;
        ++si;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < plen && p[pi] == '*') ++pi;
  return pi == plen;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  size_t steps = 0;
  return GlobMatchCounted(pattern, text, nocase, steps);
}

bool GlobMatchCounted(std::string_view pattern, std::string_view text, bool nocase, size_t& steps) {
  if (text.empty()) {  // Redis's matcher never matches "" (KEYS special-cases "*"); we do it here
    return pattern.find_first_not_of('*') == std::string_view::npos;
  }
  return Match(pattern, text, nocase, steps);
}

}  // namespace cairn
