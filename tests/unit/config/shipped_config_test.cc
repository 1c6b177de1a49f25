// config/cairn.conf stays in sync with the schema: it documents every key --dump-config prints,
// documents no key that does not exist, and loads to exactly the defaults (apart from the keys
// it sets on purpose).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "config_file.h"
#include "config_spec.h"
#include "config_test_util.h"

namespace cairn {
namespace {

const std::string kShippedPath = std::string(CAIRN_SOURCE_DIR) + "/config/cairn.conf";

std::set<std::string> DumpedKeys() {
  std::set<std::string> keys;
  std::istringstream in(DumpConfig(ServerConfig{}));
  std::string line;
  while (std::getline(in, line)) keys.insert(line.substr(0, line.find(' ')));
  return keys;
}

// Key lines of cairn.conf: every setting line, and every comment line written as a commented-out
// setting ("# key value"), where the key is a known key or looks like one (lower-case words
// joined by '-'). Prose lines therefore must not start with such a word.
std::map<std::string, int> KeyLines(const std::string& text, std::vector<std::string>& problems) {
  static const std::regex kLooksLikeKey("^[a-z0-9]+(-[a-z0-9]+)+$");
  std::map<std::string, int> keys;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string line = raw;
    bool commented = false;
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    line = line.substr(first);
    if (line[0] == '#') {
      commented = true;
      line = line.substr(1);
      if (!line.empty() && line[0] == ' ') line = line.substr(1);
      if (line.empty() || line[0] == ' ') continue;  // indented prose / examples block
    }
    auto args = config_internal::SplitConfigLine(line);
    if (!args || args->size() < 2) continue;
    const std::string& key = args->front();
    bool known = config_internal::FindConfigSpec(key) != nullptr;
    if (commented && !known && !std::regex_match(key, kLooksLikeKey)) continue;
    if (!known) {
      problems.push_back("line " + std::to_string(line_no) + ": '" + key + "' is not a key");
      continue;
    }
    if (config_internal::FindConfigSpec(key)->name != key) {
      problems.push_back("line " + std::to_string(line_no) + ": use the name, not alias '" + key +
                         "'");
    }
    keys.emplace(key, line_no);
  }
  return keys;
}

TEST(ShippedConfigTest, DocumentsExactlyTheDumpedKeys) {
  std::string text = testing_util::ReadFile(kShippedPath);
  ASSERT_FALSE(text.empty()) << kShippedPath;
  std::vector<std::string> problems;
  std::map<std::string, int> key_lines = KeyLines(text, problems);
  EXPECT_THAT(problems, ::testing::IsEmpty());
  std::set<std::string> documented;
  for (const auto& [key, line] : key_lines) documented.insert(key);
  EXPECT_EQ(documented, DumpedKeys());
}

// The Redis compatibility keys (save, appendonly, databases) are documented as such: in the
// REDIS COMPATIBILITY section, which holds no other key.
TEST(ShippedConfigTest, CompatibilityKeysHaveTheirOwnSection) {
  std::string text = testing_util::ReadFile(kShippedPath);
  std::vector<std::string> problems;
  std::map<std::string, int> key_lines = KeyLines(text, problems);
  size_t heading = text.find(" REDIS COMPATIBILITY ");
  ASSERT_NE(heading, std::string::npos);
  const int heading_line =
      1 + static_cast<int>(std::count(text.begin(), text.begin() + heading, '\n'));
  int compat_keys = 0;
  for (const auto& [key, line] : key_lines) {
    bool compat = config_internal::FindConfigSpec(key)->compat;
    compat_keys += compat;
    EXPECT_EQ(line > heading_line, compat) << key << " on line " << line;
  }
  EXPECT_EQ(compat_keys, 3);
}

TEST(ShippedConfigTest, LoadsToTheDefaults) {
  auto loaded = testing_util::Load({kShippedPath});
  ASSERT_EQ(loaded.result.error, "");
  ServerConfig expected;  // the defaults, plus what cairn.conf sets on purpose
  expected.data_dir = "./data";
  expected.bind = {"127.0.0.1", "::1"};
  expected.port = 6379;
  EXPECT_EQ(DumpConfig(loaded.cfg), DumpConfig(expected));
  EXPECT_EQ(loaded.cfg.config_file, kShippedPath);
}

// README.md's configuration table is what --dump-config-markdown prints
// (scripts/gen-config-table.sh regenerates it).
TEST(ReadmeConfigTableTest, MatchesTheSchema) {
  const std::string readme = testing_util::ReadFile(std::string(CAIRN_SOURCE_DIR) + "/README.md");
  const std::string begin = "<!-- config-table:begin -->\n";
  const std::string end = "<!-- config-table:end -->\n";
  size_t from = readme.find(begin);
  ASSERT_NE(from, std::string::npos) << "README.md lacks " << begin;
  from += begin.size();
  size_t to = readme.find(end, from);
  ASSERT_NE(to, std::string::npos) << "README.md lacks " << end;
  EXPECT_EQ(readme.substr(from, to - from), config_internal::ConfigMarkdownTable())
      << "README.md is stale: run scripts/gen-config-table.sh";
}

TEST(ReadmeConfigTableTest, OneRowPerKeyWithDefaultAndRuntime) {
  auto loaded = testing_util::Load({"--dump-config-markdown", "--port", "1"});
  ASSERT_EQ(loaded.result.error, "");
  EXPECT_TRUE(loaded.result.exit);
  const std::string& table = loaded.out;
  EXPECT_EQ(table, config_internal::ConfigMarkdownTable()) << "defaults, not the loaded values";
  std::istringstream in(table);
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(in, line)) rows.push_back(line);
  const auto& specs = config_internal::ConfigSpecs();
  ASSERT_EQ(rows.size(), specs.size() + 2);  // header and separator
  EXPECT_EQ(rows[0], "| Key | Value | Default | CONFIG SET | Meaning |");
  for (size_t i = 0; i < specs.size(); ++i) {
    SCOPED_TRACE(specs[i].name);
    const std::string& row = rows[i + 2];
    EXPECT_EQ(row.rfind("| `" + specs[i].name + "`", 0), 0u);
    EXPECT_THAT(row, ::testing::HasSubstr(specs[i].runtime ? " | yes | " : " | no | "));
    EXPECT_THAT(row, ::testing::EndsWith(" | " + specs[i].help + " |"));
    // Five cells: six '|' that are not escaped.
    int separators = 0;
    for (size_t j = 0; j < row.size(); ++j)
      separators += row[j] == '|' && (j == 0 || row[j - 1] != '\\');
    EXPECT_EQ(separators, 6);
  }
  EXPECT_THAT(table, ::testing::HasSubstr("| `port` | INT | `6379` | no | "));
  EXPECT_THAT(table, ::testing::HasSubstr("| `maxmemory` | SIZE | `0` | yes | "));
  EXPECT_THAT(table, ::testing::HasSubstr(
                         "| `write-policy` | `none` \\| `write-through` \\| `write-back` | "
                         "`none` | yes | "));
  EXPECT_THAT(table, ::testing::HasSubstr("| `eviction-policy`<br>alias `maxmemory-policy` |"));
  EXPECT_THAT(table, ::testing::HasSubstr("| `requirepass` | PASSWORD | `\"\"` | yes | "));
}

}  // namespace
}  // namespace cairn
