// The config-file parser on any bytes: ConfigFileFormat::from_config either returns items or
// throws CLI::FileError naming the line (and keeps it in problem()), never anything else; every
// line SplitConfigLine accepts round-trips through QuoteConfigValue (quoting each argument and
// splitting again gives the same arguments).
#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_file.h"

namespace {

using cairn::config_internal::ConfigFileFormat;
using cairn::config_internal::QuoteConfigValue;
using cairn::config_internal::SplitConfigLine;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "config file: %s\n", what.c_str());
  std::abort();
}

void CheckLine(std::string_view line) {
  const std::optional<std::vector<std::string>> args = SplitConfigLine(line);
  if (!args) return;
  std::string quoted;
  for (const std::string& a : *args) {
    if (!quoted.empty()) quoted += ' ';
    quoted += QuoteConfigValue(a);
  }
  const std::optional<std::vector<std::string>> again = SplitConfigLine(quoted);
  if (!again || *again != *args) Fail("quoting does not round-trip: " + quoted);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    CheckLine(std::string_view(text).substr(start, end - start));
    start = end + 1;
  }

  static const ConfigFileFormat format{cairn::ConfigChoices{}};
  std::istringstream in(text);
  try {
    const std::vector<CLI::ConfigItem> items = format.from_config(in);
    if (format.problem()) Fail("items returned with a problem: " + *format.problem());
    for (const CLI::ConfigItem& item : items) {
      if (item.name.empty() || item.inputs.empty()) Fail("an item without a name or a value");
    }
  } catch (const CLI::FileError& e) {
    if (!format.problem() || format.problem()->rfind("line ", 0) != 0) {
      Fail(std::string("error without its line: ") + e.what());
    }
  }
  return 0;
}
