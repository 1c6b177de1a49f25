// GlobMatch: on any pattern and text it takes at most (pattern + 1) x (text + 1) steps, and on
// short inputs it agrees with Redis's own function (tests/unit/common/glob_reference.h, which is
// exponential, hence the length cap). Input: a flags byte (bit 0: nocase), a byte giving the
// pattern's length (modulo what is left), the pattern, then the text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cairn/common/glob.h"
#include "common/glob_reference.h"

namespace {

constexpr size_t kReferenceMax = 12;  // pattern and text lengths the reference is asked about

[[noreturn]] void Fail(const char* what, std::string_view pattern, std::string_view text,
                       bool nocase) {
  std::fprintf(stderr, "%s: pattern '%.*s' (%zu bytes) text '%.*s' (%zu bytes) nocase %d\n", what,
               static_cast<int>(pattern.size()), pattern.data(), pattern.size(),
               static_cast<int>(text.size()), text.data(), text.size(), nocase ? 1 : 0);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return -1;
  const bool nocase = (data[0] & 1) != 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const size_t plen = data[1] % (rest.size() + 1);
  // Owned copies, so that ASan sees any read past either end.
  const std::string pattern(rest.substr(0, plen));
  const std::string text(rest.substr(plen));

  size_t steps = 0;
  const bool got = cairn::GlobMatchCounted(pattern, text, nocase, steps);
  if (steps > (pattern.size() + 1) * (text.size() + 1))
    Fail("step bound exceeded", pattern, text, nocase);
  if (got != cairn::GlobMatch(pattern, text, nocase))
    Fail("counted differs", pattern, text, nocase);
  if (pattern.size() <= kReferenceMax && text.size() <= kReferenceMax &&
      got != cairn::testing::ReferenceGlobMatch(pattern, text, nocase)) {
    Fail(got ? "matches, Redis does not" : "Redis matches, Cairn does not", pattern, text, nocase);
  }
  return 0;
}
