// RespParser: any bytes give Complete (consuming at least one byte, at most the input), NeedMore or
// a protocol error, and the verdict is a function of the bytes alone: every prefix either needs
// more or gives the whole input's verdict, a need_bytes hint never points past the shortest prefix
// that has a verdict, and feeding the stream in two reads (split anywhere) gives the same commands
// and error as feeding it at once. Input: one byte choosing the limits, then the stream.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "cairn/protocol/resp_parser.h"
#include "protocol/parse_helpers.h"

namespace {

using cairn::ParseStatus;
using cairn::testing::FeedInTwoChunks;
using cairn::testing::Parsed;
using cairn::testing::ParseOnce;
using cairn::testing::StreamOutcome;

constexpr size_t kMaxInput = 512;  // every check below is quadratic in the input

[[noreturn]] void Fail(std::string_view what, const Parsed& got, const Parsed& want, size_t cut) {
  std::ostringstream os;
  os << what << " at cut " << cut << ": got " << got << ", whole input " << want;
  std::fprintf(stderr, "%s\n", os.str().c_str());
  std::abort();
}

cairn::ParserLimits LimitsFor(uint8_t selector) {
  switch (selector % 4) {
    case 0:
      return {};
    case 1:  // tiny limits: every limit check is reached often
      return {.max_bulk_len = 4, .max_multibulk_len = 3, .max_inline_len = 6};
    case 2:
      return {.auth_required = true};
    default:
      return {
          .max_bulk_len = 16, .max_multibulk_len = 5, .max_inline_len = 24, .auth_required = true};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > kMaxInput + 1) return -1;
  const cairn::RespParser parser(LimitsFor(data[0]));
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  const Parsed whole = ParseOnce(parser, input);
  switch (whole.status) {
    case ParseStatus::kComplete:
      if (whole.consumed == 0 || whole.consumed > input.size() || !whole.error.empty()) {
        Fail("bad Complete", whole, whole, input.size());
      }
      break;
    case ParseStatus::kNeedMore:
      if (!whole.argv.empty() || (whole.need_bytes != 0 && whole.need_bytes <= input.size())) {
        Fail("bad NeedMore", whole, whole, input.size());
      }
      break;
    case ParseStatus::kError:
      if (whole.error.rfind("ERR Protocol error: ", 0) != 0 || !whole.argv.empty()) {
        Fail("bad Error", whole, whole, input.size());
      }
      break;
  }

  // The shortest prefix with a verdict; every shorter one needs more, every longer one agrees.
  size_t first_verdict = input.size() + 1;
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    const Parsed part = ParseOnce(parser, input.substr(0, cut));
    if (part.status == ParseStatus::kNeedMore) {
      if (first_verdict <= input.size()) Fail("NeedMore after a verdict", part, whole, cut);
      continue;
    }
    if (first_verdict > input.size()) first_verdict = cut;
    if (!(part == whole)) Fail("prefix verdict differs", part, whole, cut);
  }
  for (size_t cut = 0; cut < first_verdict && cut <= input.size(); ++cut) {
    const Parsed part = ParseOnce(parser, input.substr(0, cut));
    if (first_verdict <= input.size() && part.need_bytes > first_verdict) {
      Fail("need_bytes past the first verdict", part, whole, cut);
    }
  }

  // The stream in two reads, split anywhere, gives what the whole stream gives.
  const StreamOutcome at_once = FeedInTwoChunks(parser, input, input.size());
  for (size_t cut = 0; cut < input.size(); ++cut) {
    if (!(FeedInTwoChunks(parser, input, cut) == at_once)) {
      std::fprintf(stderr, "two reads split at %zu differ from one read\n", cut);
      std::abort();
    }
  }
  return 0;
}
