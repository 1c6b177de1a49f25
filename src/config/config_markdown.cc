// The configuration reference as a Markdown table, from the same rows as everything else, so the
// README cannot drift from the code: `cairn-server --dump-config-markdown` prints it,
// scripts/gen-config-table.sh splices it into README.md, and a unit test compares the two.
#include <string>
#include <string_view>

#include "config_spec.h"

namespace cairn::config_internal {
namespace {

// A table cell: '|' would end the cell, even inside a code span (GitHub Flavored Markdown).
std::string Cell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string Code(std::string_view text) {
  std::string out = "`";
  out += text;
  out += '`';
  return Cell(out);
}

// "{none,write-through}" (a choice) -> "`none` \| `write-through`"; "SIZE" -> "SIZE".
std::string ValueKind(const std::string& type_name) {
  if (type_name.size() < 2 || type_name.front() != '{' || type_name.back() != '}') {
    return Cell(type_name);
  }
  std::string out;
  std::string_view rest(type_name);
  rest = rest.substr(1, rest.size() - 2);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    if (!out.empty()) out += " \\| ";
    out += Code(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}

}  // namespace

std::string ConfigMarkdownTable() {
  const ServerConfig defaults;
  std::string out =
      "| Key | Value | Default | CONFIG SET | Meaning |\n"
      "|---|---|---|---|---|\n";
  for (const ConfigSpec& spec : ConfigSpecs()) {
    out += "| ";
    out += Code(spec.name);
    for (const std::string& alias : spec.aliases) {
      out += "<br>alias ";
      out += Code(alias);
    }
    out += " | ";
    out += ValueKind(spec.type_name);
    out += " | ";
    std::string value = spec.file_value(defaults);
    out += value.empty() ? Code("\"\"") : Code(value);
    out += " | ";
    out += spec.runtime ? "yes" : "no";
    out += " | ";
    out += Cell(spec.help);
    out += " |\n";
  }
  return out;
}

}  // namespace cairn::config_internal
