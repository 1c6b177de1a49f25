// Row builders for the configuration schema, one per kind of value, and the small text helpers
// the rows share. The row lists themselves live in config_spec.cc (core keys),
// config_spec_persistence.cc, config_spec_observability.cc and config_spec_compat.cc (Redis
// compatibility keys).
//
// Internal to the config module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config_spec.h"

namespace cairn::config_internal {

// An integer in [lo, hi], printed in decimal.
ConfigSpec IntRow(std::string name, int ServerConfig::*field, int64_t lo, int64_t hi, bool runtime,
                  std::string help);
ConfigSpec IntRow(std::string name, int64_t ServerConfig::*field, int64_t lo, int64_t hi,
                  bool runtime, std::string help);
// A non-negative integer in [0, hi] without units; `expected` completes "expected ..." in
// startup errors ("a non-negative integer (0 = no limit)").
ConfigSpec CountRow(std::string name, uint64_t ServerConfig::*field, uint64_t hi, bool runtime,
                    std::string help, std::string expected);
// A size in bytes with optional units, in [lo, hi]; CONFIG GET shows bytes, the file units.
ConfigSpec SizeRow(std::string name, uint64_t ServerConfig::*field, uint64_t lo, uint64_t hi,
                   bool runtime, std::string help);
// yes | no (case-insensitive).
ConfigSpec BoolRow(std::string name, bool ServerConfig::*field, bool runtime, std::string help);
// Free text, quoted in the file when needed.
ConfigSpec StringRow(std::string name, std::string ServerConfig::*field, bool allow_empty,
                     bool runtime, std::string type_name, std::string help);
// A value from a fixed list (case-insensitive); `canonical` maps each accepted spelling to what
// is stored.
ConfigSpec ChoiceRow(std::string name, std::string ServerConfig::*field,
                     std::vector<std::pair<std::string, std::string>> canonical, bool runtime,
                     std::string help);

std::string Lower(std::string_view s);
std::string Join(const std::vector<std::string>& items, std::string_view sep);
std::vector<std::string> SplitWhitespace(std::string_view s);
// An IPv4 or IPv6 literal (no host names).
bool IsIpLiteral(const std::string& s);

// The rows of config_spec_persistence.cc, config_spec_observability.cc and
// config_spec_compat.cc, appended in the order --dump-config lists them.
void AppendPersistenceSpecs(std::vector<ConfigSpec>& rows);
void AppendObservabilitySpecs(std::vector<ConfigSpec>& rows);
void AppendClusterSpecs(std::vector<ConfigSpec>& rows);  // config_spec_cluster.cc
void AppendCompatSpecs(std::vector<ConfigSpec>& rows);
void AppendTlsSpecs(std::vector<ConfigSpec>& rows);  // config_spec_tls.cc

}  // namespace cairn::config_internal
