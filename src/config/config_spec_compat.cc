// Redis compatibility keys: settings Redis tools read that have one true answer for Cairn.
//
// redis-benchmark starts with CONFIG GET save and CONFIG GET appendonly (getRedisConfig in
// redis-benchmark.c) and prints "Could not fetch server CONFIG" when either is empty; desktop
// clients read databases to list the logical databases. Each key here answers the one value
// that is true of Cairn:
//   save        ""   no RDB save points (SNAPSHOT / BGSAVE / SAVE make point-in-time copies)
//   appendonly  no   no append-only file (write-policy decides when writes reach RocksDB)
//   databases   1    one database (SELECT accepts only 0)
// That value is accepted everywhere a key is (config file, flags, CONFIG SET), so a config or a
// script written for Redis keeps working; any other value is refused with a message that names
// the Cairn alternative instead of a bare "can't set immutable config". The keys have no
// ServerConfig field, take no apply hook and change nothing. config/cairn.conf documents them
// in its REDIS COMPATIBILITY section.
#include <climits>

#include "config_rows.h"

namespace cairn::config_internal {
namespace {

constexpr const char* kSnapshotHint =
    "use SNAPSHOT or BGSAVE for point-in-time copies and write-policy (write-through or "
    "write-back) for durability";

// A row whose only value is `fixed` (its CONFIG GET and config-file form). `check` validates a
// value without storing anything.
ConfigSpec CompatRow(std::string name, std::string fixed, std::string file_form, std::string help,
                     std::function<std::optional<ValueError>(std::string_view)> check) {
  ConfigSpec row;
  row.name = std::move(name);
  row.type_name = "{" + file_form + "}";
  row.help = std::move(help);
  row.compat = true;
  row.set = [check = std::move(check)](std::string_view v, const ConfigChoices&, ServerConfig&) {
    return check(v);
  };
  row.get = [fixed = std::move(fixed)](const ServerConfig&) { return fixed; };
  row.file_value = [file_form = std::move(file_form)](const ServerConfig&) { return file_form; };
  return row;
}

ConfigSpec SaveRow() {
  ConfigSpec row = CompatRow(
      "save", "", "\"\"", "Redis compatibility, always \"\": no RDB save points (see SNAPSHOT)",
      [](std::string_view v) -> std::optional<ValueError> {
        if (SplitWhitespace(v).empty()) return std::nullopt;
        return ValueError{
            std::string("Cairn has no RDB save points, so save is always \"\": ") + kSnapshotHint,
            std::string("\"\" (Cairn has no RDB save points: ") + kSnapshotHint + ")"};
      });
  // Redis's `save 3600 1 300 100` is several values: accepted as a line, refused with the
  // explanation rather than "wrong number of arguments".
  row.multi = true;
  return row;
}

ConfigSpec AppendOnlyRow() {
  return CompatRow(
      "appendonly", "no", "no",
      "Redis compatibility, always no: no append-only file (see write-policy)",
      [](std::string_view v) -> std::optional<ValueError> {
        const std::string expected =
            "no (Cairn has no append-only file: use write-policy write-through or write-back "
            "for durability)";
        bool yes = false;
        if (auto err = ParseYesNo(v, yes)) return ValueError{*err, expected};
        if (!yes) return std::nullopt;
        return ValueError{
            "Cairn has no append-only file, so appendonly is always no: use write-policy "
            "write-through (each write reaches RocksDB before the reply) or write-back (batched) "
            "for durability, and SNAPSHOT or BGSAVE for point-in-time copies",
            expected};
      });
}

ConfigSpec DatabasesRow() {
  return CompatRow("databases", "1", "1", "Redis compatibility, always 1: one database (SELECT 0)",
                   [](std::string_view v) -> std::optional<ValueError> {
                     const std::string expected = "1 (Cairn has one database, SELECT 0)";
                     int64_t n = 0;
                     if (auto err = ParseIntInRange(v, 1, INT_MAX, n)) {
                       return ValueError{*err, expected};  // Redis's range for databases
                     }
                     if (n == 1) return std::nullopt;
                     return ValueError{
                         "Cairn has one database, so databases is always 1 (SELECT accepts only "
                         "0)",
                         expected};
                   });
}

}  // namespace

void AppendCompatSpecs(std::vector<ConfigSpec>& rows) {
  rows.push_back(SaveRow());
  rows.push_back(AppendOnlyRow());
  rows.push_back(DatabasesRow());
}

}  // namespace cairn::config_internal
