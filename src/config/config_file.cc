#include "config_file.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <istream>

#include "config_spec.h"

namespace cairn::config_internal {
namespace {

bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

bool IsBlank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::vector<std::string>> SplitConfigLine(std::string_view line) {
  std::vector<std::string> args;
  size_t p = 0;
  const size_t n = line.size();
  while (true) {
    while (p < n && std::isspace(static_cast<unsigned char>(line[p]))) ++p;
    if (p >= n) return args;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (p >= n) return std::nullopt;  // unterminated quotes
        char c = line[p];
        if (c == '\\' && p + 3 < n && line[p + 1] == 'x' && IsHexDigit(line[p + 2]) &&
            IsHexDigit(line[p + 3])) {
          current += static_cast<char>(HexValue(line[p + 2]) * 16 + HexValue(line[p + 3]));
          p += 3;
        } else if (c == '\\' && p + 1 < n) {
          ++p;
          switch (line[p]) {
            case 'n':
              current += '\n';
              break;
            case 'r':
              current += '\r';
              break;
            case 't':
              current += '\t';
              break;
            case 'b':
              current += '\b';
              break;
            case 'a':
              current += '\a';
              break;
            default:
              current += line[p];
              break;
          }
        } else if (c == '"') {
          // The closing quote must be followed by a blank or the end of the line.
          if (p + 1 < n && !IsBlank(line[p + 1])) return std::nullopt;
          done = true;
        } else {
          current += c;
        }
      } else if (in_single) {
        if (p >= n) return std::nullopt;
        char c = line[p];
        if (c == '\\' && p + 1 < n && line[p + 1] == '\'') {
          ++p;
          current += '\'';
        } else if (c == '\'') {
          if (p + 1 < n && !IsBlank(line[p + 1])) return std::nullopt;
          done = true;
        } else {
          current += c;
        }
      } else {
        if (p >= n) break;
        char c = line[p];
        if (IsBlank(c)) {
          done = true;
        } else if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          current += c;
        }
      }
      if (p < n) ++p;
    }
    args.push_back(std::move(current));
  }
}

std::string QuoteConfigValue(std::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isspace(u) || !std::isprint(u) || c == '"' || c == '\'') plain = false;
  }
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (std::isprint(static_cast<unsigned char>(c))) {
          out += c;
        } else {
          static constexpr char kHex[] = "0123456789abcdef";
          unsigned char u = static_cast<unsigned char>(c);
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        }
    }
  }
  out += '"';
  return out;
}

void ConfigFileFormat::Fail(int line, std::string message) const {
  problem_ = "line " + std::to_string(line) + ": " + message;
  throw CLI::FileError(*problem_);
}

std::vector<CLI::ConfigItem> ConfigFileFormat::from_config(std::istream& input) const {
  problem_.reset();
  std::vector<CLI::ConfigItem> items;
  ServerConfig scratch;  // values are validated here; CLI11 applies them afterwards
  std::string raw;
  int line_no = 0;
  while (std::getline(input, raw)) {
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    std::optional<std::vector<std::string>> args = SplitConfigLine(line);
    if (!args) Fail(line_no, "unbalanced quotes in '" + std::string(line) + "'");
    if (args->empty()) continue;
    const std::string& key = args->front();
    if (Lower(key) == "user") continue;  // ACL users: ReadConfigUserLines (as Redis, not a key)
    const ConfigSpec* spec = FindConfigSpec(key);
    if (spec == nullptr) Fail(line_no, "unknown key '" + key + "'");
    size_t values = args->size() - 1;
    if (values == 0 || (values > 1 && !spec->multi)) {
      Fail(line_no, "wrong number of arguments for '" + Lower(key) + "': expected " +
                        (spec->multi ? "one or more values" : "one value") + ", got " +
                        std::to_string(values));
    }
    std::vector<std::string> inputs(args->begin() + 1, args->end());
    std::string joined = CLI::detail::join(inputs, " ");
    if (auto err = spec->set(joined, choices_, scratch)) {
      Fail(line_no, InvalidValueMessage(Lower(key), joined, *err));
    }
    // Later lines win, or add up for accumulating keys; an alias and its key are one setting.
    auto same = [&](const CLI::ConfigItem& item) { return item.name == spec->name; };
    if (spec->accumulate) {
      auto earlier = std::find_if(items.begin(), items.end(), same);
      if (earlier != items.end()) {
        earlier->inputs.insert(earlier->inputs.end(), inputs.begin(), inputs.end());
        continue;
      }
    }
    std::erase_if(items, same);
    CLI::ConfigItem item;
    item.name = spec->name;
    item.inputs = std::move(inputs);
    items.push_back(std::move(item));
  }
  return items;
}

std::string ConfigFileFormat::to_config(const CLI::App* /*app*/, bool /*default_also*/,
                                        bool /*write_description*/, std::string /*prefix*/) const {
  return {};  // unused: DumpConfig writes configurations (it knows the values, CLI11 does not)
}

}  // namespace cairn::config_internal

namespace cairn {

std::optional<std::vector<std::vector<std::string>>> ReadConfigUserLines(const std::string& path,
                                                                         std::string& error) {
  std::vector<std::vector<std::string>> users;
  if (path.empty()) return users;
  std::ifstream in(path);
  if (!in) {
    error = "cannot open config file '" + path + "'";
    return std::nullopt;
  }
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    auto args = config_internal::SplitConfigLine(config_internal::Trim(raw));
    if (!args || args->empty() || config_internal::Lower(args->front()) != "user") continue;
    if (args->size() < 2) {
      error = "line " + std::to_string(line_no) + ": 'user' needs a user name";
      return std::nullopt;
    }
    users.emplace_back(args->begin() + 1, args->end());
  }
  return users;
}

}  // namespace cairn
