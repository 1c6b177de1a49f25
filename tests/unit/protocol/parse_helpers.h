// Helpers shared by the parser tests: owning snapshots of parse results and a connection-like
// driver that feeds a byte stream in two chunks.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/protocol/resp_parser.h"

namespace cairn::testing {

// One parse, with the arguments copied out (the views die with the next Parse).
struct Parsed {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;
  size_t need_bytes = 0;
  std::string error;
  std::vector<std::string> argv;

  bool operator==(const Parsed&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Parsed& p) {
  static constexpr const char* kNames[] = {"Complete", "NeedMore", "Error"};
  os << kNames[static_cast<int>(p.status)] << "{consumed=" << p.consumed << " need=" << p.need_bytes
     << " error='" << p.error << "' argv=[";
  for (const auto& a : p.argv) os << '"' << a << "\",";
  return os << "]}";
}

inline Parsed ParseOnce(const RespParser& parser, std::string_view input) {
  CommandArgs args;
  ParseResult r = parser.Parse(input, args);
  Parsed p;
  p.status = r.status;
  p.consumed = r.consumed;
  p.need_bytes = r.need_bytes;
  p.error = std::string(r.error);
  for (auto a : args.argv) p.argv.emplace_back(a);
  return p;
}

inline std::vector<std::string> Argv(std::initializer_list<std::string_view> args) {
  return {args.begin(), args.end()};
}

// What a connection would see: the commands (or the final error) produced by feeding `stream`
// as the chunks stream[0, cut) then stream[cut, end), parsing after each chunk until NeedMore.
struct StreamOutcome {
  std::vector<std::vector<std::string>> commands;  // empty argv = an empty command (skipped)
  std::string error;                               // set when the stream ended in an error
  size_t unconsumed = 0;                           // bytes left waiting for more input

  bool operator==(const StreamOutcome&) const = default;
};

inline StreamOutcome FeedInTwoChunks(const RespParser& parser, std::string_view stream,
                                     size_t cut) {
  StreamOutcome out;
  CommandArgs args;
  size_t base = 0;
  auto drain = [&](size_t available) {
    while (out.error.empty()) {
      ParseResult r = parser.Parse(stream.substr(base, available - base), args);
      if (r.status == ParseStatus::kNeedMore) return;
      if (r.status == ParseStatus::kError) {
        out.error = std::string(r.error);
        return;
      }
      out.commands.emplace_back(args.argv.begin(), args.argv.end());
      base += r.consumed;
    }
  };
  drain(cut);
  drain(stream.size());
  out.unconsumed = out.error.empty() ? stream.size() - base : 0;
  return out;
}

}  // namespace cairn::testing
