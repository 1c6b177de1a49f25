#include "config_rows.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdint>

#include "cairn/common/strings.h"
#include "config_file.h"

namespace cairn::config_internal {
namespace {

template <typename T>
ConfigSpec IntRowOf(std::string name, T ServerConfig::*field, int64_t lo, int64_t hi, bool runtime,
                    std::string help) {
  ConfigSpec row;
  row.name = std::move(name);
  row.type_name = "INT";
  row.help = std::move(help);
  row.runtime = runtime;
  std::string expected = "an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
  row.set = [field, lo, hi, expected](std::string_view v, const ConfigChoices&,
                                      ServerConfig& cfg) -> std::optional<ValueError> {
    int64_t n = 0;
    if (auto err = ParseIntInRange(v, lo, hi, n)) return ValueError{*err, expected};
    cfg.*field = static_cast<T>(n);
    return std::nullopt;
  };
  row.get = [field](const ServerConfig& cfg) { return std::to_string(cfg.*field); };
  row.file_value = row.get;
  return row;
}

}  // namespace

ConfigSpec IntRow(std::string name, int ServerConfig::*field, int64_t lo, int64_t hi, bool runtime,
                  std::string help) {
  return IntRowOf(std::move(name), field, lo, hi, runtime, std::move(help));
}

ConfigSpec IntRow(std::string name, int64_t ServerConfig::*field, int64_t lo, int64_t hi,
                  bool runtime, std::string help) {
  return IntRowOf(std::move(name), field, lo, hi, runtime, std::move(help));
}

ConfigSpec CountRow(std::string name, uint64_t ServerConfig::*field, uint64_t hi, bool runtime,
                    std::string help, std::string expected) {
  ConfigSpec row;
  row.name = std::move(name);
  row.type_name = "COUNT";
  row.help = std::move(help);
  row.runtime = runtime;
  row.set = [field, hi, expected](std::string_view v, const ConfigChoices&,
                                  ServerConfig& cfg) -> std::optional<ValueError> {
    uint64_t n = 0;
    if (auto err = ParseUintInRange(v, 0, hi, n)) return ValueError{*err, expected};
    cfg.*field = n;
    return std::nullopt;
  };
  row.get = [field](const ServerConfig& cfg) { return std::to_string(cfg.*field); };
  row.file_value = row.get;
  return row;
}

ConfigSpec SizeRow(std::string name, uint64_t ServerConfig::*field, uint64_t lo, uint64_t hi,
                   bool runtime, std::string help) {
  ConfigSpec row;
  row.name = std::move(name);
  row.type_name = "SIZE";
  row.help = std::move(help);
  row.runtime = runtime;
  std::string expected = lo == 0 && hi == UINT64_MAX
                             ? "a size like 100mb or 1gb (k=1000, kb=1024, or plain bytes)"
                             : "a size between " + FormatSize(lo) + " and " + std::to_string(hi) +
                                   " bytes, like 100mb or 1gb";
  row.set = [field, lo, hi, expected](std::string_view v, const ConfigChoices&,
                                      ServerConfig& cfg) -> std::optional<ValueError> {
    uint64_t n = 0;
    if (auto err = ParseSizeInRange(v, lo, hi, n)) return ValueError{*err, expected};
    cfg.*field = n;
    return std::nullopt;
  };
  row.get = [field](const ServerConfig& cfg) { return std::to_string(cfg.*field); };
  row.file_value = [field](const ServerConfig& cfg) { return FormatSize(cfg.*field); };
  return row;
}

ConfigSpec BoolRow(std::string name, bool ServerConfig::*field, bool runtime, std::string help) {
  ConfigSpec row;
  row.name = std::move(name);
  row.type_name = "{yes,no}";
  row.help = std::move(help);
  row.runtime = runtime;
  row.set = [field](std::string_view v, const ConfigChoices&,
                    ServerConfig& cfg) -> std::optional<ValueError> {
    bool b = false;
    if (auto err = ParseYesNo(v, b)) return ValueError{*err, "yes or no"};
    cfg.*field = b;
    return std::nullopt;
  };
  row.get = [field](const ServerConfig& cfg) { return std::string(cfg.*field ? "yes" : "no"); };
  row.file_value = row.get;
  return row;
}

ConfigSpec StringRow(std::string name, std::string ServerConfig::*field, bool allow_empty,
                     bool runtime, std::string type_name, std::string help) {
  ConfigSpec row;
  row.name = std::move(name);
  row.type_name = std::move(type_name);
  row.help = std::move(help);
  row.runtime = runtime;
  row.set = [field, allow_empty](std::string_view v, const ConfigChoices&,
                                 ServerConfig& cfg) -> std::optional<ValueError> {
    if (!allow_empty && v.empty()) {
      return ValueError{"argument can't be empty", "a non-empty string"};
    }
    cfg.*field = std::string(v);
    return std::nullopt;
  };
  row.get = [field](const ServerConfig& cfg) { return cfg.*field; };
  row.file_value = [field](const ServerConfig& cfg) { return QuoteConfigValue(cfg.*field); };
  return row;
}

ConfigSpec ChoiceRow(std::string name, std::string ServerConfig::*field,
                     std::vector<std::pair<std::string, std::string>> canonical, bool runtime,
                     std::string help) {
  ConfigSpec row;
  row.name = std::move(name);
  row.help = std::move(help);
  row.runtime = runtime;
  std::vector<std::string> spellings;
  for (const auto& [spelling, stored] : canonical) spellings.push_back(spelling);
  // Built in a local with push_back: g++ 12 at -O3 reports a false -Wrestrict both on
  // "{" + std::string + "}" and on assigning "{" to the member first.
  std::string type_name = Join(spellings, ",");
  type_name.insert(type_name.begin(), '{');
  type_name.push_back('}');
  row.type_name = std::move(type_name);
  std::string redis = "argument(s) must be one of the following: " + Join(spellings, ", ");
  std::string expected = "one of " + Join(spellings, ", ");
  row.set = [field, canonical, redis, expected](std::string_view v, const ConfigChoices&,
                                                ServerConfig& cfg) -> std::optional<ValueError> {
    for (const auto& [spelling, stored] : canonical) {
      if (EqualsIgnoreCase(spelling, v)) {
        cfg.*field = stored;
        return std::nullopt;
      }
    }
    return ValueError{redis, expected};
  };
  row.get = [field](const ServerConfig& cfg) { return cfg.*field; };
  row.file_value = row.get;
  return row;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::vector<std::string> SplitWhitespace(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

bool IsIpLiteral(const std::string& s) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace cairn::config_internal
