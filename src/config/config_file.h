// The redis.conf-style file format, as a CLI11 config formatter so that CLI11 itself applies file
// values under the command-line flags (defaults < file < flags).
//
// Syntax (Redis's loadServerConfigFromString + sdssplitargs):
//   - one `key value...` per line; keys are case-insensitive; aliases are accepted;
//   - lines whose first non-blank character is '#' are comments ('#' later in a line is data);
//   - "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \';
//     a closing quote must be followed by a blank or the end of the line;
//   - a key given twice: the later line wins.
// Every line is validated against the schema here, so errors carry the line number; an unknown
// key, a wrong number of values or an invalid value stops loading.
#pragma once

#include <CLI/ConfigFwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/config/config.h"

namespace cairn::config_internal {

// Splits one line into arguments like Redis's sdssplitargs; nullopt on unbalanced quotes.
std::optional<std::vector<std::string>> SplitConfigLine(std::string_view line);

// `value` as one config-file argument: unchanged when it needs no quotes, otherwise in double
// quotes with escapes (Redis's sdscatrepr), so SplitConfigLine gives back exactly `value`.
std::string QuoteConfigValue(std::string_view value);

class ConfigFileFormat final : public CLI::Config {
 public:
  explicit ConfigFileFormat(ConfigChoices choices) : choices_(std::move(choices)) {}

  // Not used (returns ""): DumpConfig prints configurations.
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  // Throws CLI::FileError("line N: ...") on the first bad line; problem() keeps that message.
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

  const std::optional<std::string>& problem() const { return problem_; }

 private:
  [[noreturn]] void Fail(int line, std::string message) const;

  ConfigChoices choices_;
  mutable std::optional<std::string> problem_;  // from_config is const in CLI11's interface
};

}  // namespace cairn::config_internal
