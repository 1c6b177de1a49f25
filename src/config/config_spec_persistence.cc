// Persistence keys (issue 4): the write policy, write-back tuning, the RocksDB store, startup and
// shutdown, undo history. config/cairn.conf's PERSISTENCE section documents them in prose.
//
// Fixed after startup: warm-load and snapshot-on-start (they act once, at startup), and the
// RocksDB options fixed when the database opens (rocksdb-block-cache-size, rocksdb-compression,
// rocksdb-background-jobs, rocksdb-write-buffer-size). Every other key here may change at run time.
#include <climits>
#include <cstdint>

#include "config_rows.h"

namespace cairn::config_internal {
namespace {

constexpr size_t kMaxSnapshotName = 128;

// Snapshot names become file names in data-dir: letters, digits, '.', '_' and '-', not starting
// with '.', so that a name can never leave the directory or hide a file.
bool IsSnapshotName(std::string_view name) {
  if (name.empty() || name.size() > kMaxSnapshotName || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

ConfigSpec SnapshotOnStartRow() {
  ConfigSpec row = StringRow("snapshot-on-start", &ServerConfig::snapshot_on_start, true, false,
                             "NAME", "named snapshot to restore at startup (empty = none)");
  row.set = [](std::string_view v, const ConfigChoices&,
               ServerConfig& cfg) -> std::optional<ValueError> {
    if (!v.empty() && !IsSnapshotName(v)) {
      return ValueError{"Invalid snapshot name",
                        "a snapshot name (up to 128 letters, digits, '.', '_' or '-', not "
                        "starting with '.') or \"\" for none"};
    }
    cfg.snapshot_on_start = std::string(v);
    return std::nullopt;
  };
  return row;
}

}  // namespace

void AppendPersistenceSpecs(std::vector<ConfigSpec>& rows) {
  rows.push_back(ChoiceRow(
      "write-policy", &ServerConfig::write_policy,
      {{"none", "none"}, {"write-through", "write-through"}, {"write-back", "write-back"}}, true,
      "when writes reach RocksDB: never, before the reply, or batched"));
  rows.push_back(IntRow("write-back-interval-ms", &ServerConfig::write_back_interval_ms, 1, 3600000,
                        true, "write-back: flush dirty keys every this many ms"));
  rows.push_back(CountRow("write-back-max-dirty", &ServerConfig::write_back_max_dirty, UINT64_MAX,
                          true, "write-back: flush early when this many keys are dirty (0 = never)",
                          "a non-negative integer (0 = flush on the timer only)"));
  rows.push_back(CountRow("write-back-hard-limit", &ServerConfig::write_back_hard_limit, UINT64_MAX,
                          true,
                          "write-back: dirty keys above which writes wait or fail (0 = no limit)",
                          "a non-negative integer (0 = no limit)"));
  rows.push_back(SizeRow("write-back-hard-limit-bytes", &ServerConfig::write_back_hard_limit_bytes,
                         0, UINT64_MAX, true,
                         "write-back: dirty bytes above which writes wait or fail (0 = no limit)"));
  rows.push_back(ChoiceRow("write-back-overflow", &ServerConfig::write_back_overflow,
                           {{"block", "block"}, {"reject", "reject"}}, true,
                           "write-back: above the hard limit, writes wait (block) or fail"));
  rows.push_back(BoolRow("read-through", &ServerConfig::read_through, true,
                         "on a memory miss, look the key up in RocksDB"));
  rows.push_back(BoolRow("warm-load", &ServerConfig::warm_load, false,
                         "load RocksDB into memory at startup (else rely on read-through)"));
  rows.push_back(IntRow("shutdown-timeout", &ServerConfig::shutdown_timeout, 0, INT_MAX, true,
                        "seconds to flush dirty keys on shutdown (0 = no limit)"));
  rows.push_back(
      BoolRow("write-sync", &ServerConfig::write_sync, true, "fsync every RocksDB write batch"));
  rows.push_back(SizeRow("rocksdb-block-cache-size", &ServerConfig::rocksdb_block_cache_size, 0,
                         UINT64_MAX, false, "RocksDB block cache (0 = none)"));
  // Debian's librocksdb 7.8 is built with snappy, lz4 and zstd (GetSupportedCompressions).
  rows.push_back(
      ChoiceRow("rocksdb-compression", &ServerConfig::rocksdb_compression,
                {{"none", "none"}, {"snappy", "snappy"}, {"lz4", "lz4"}, {"zstd", "zstd"}}, false,
                "RocksDB block compression"));
  rows.push_back(IntRow("rocksdb-background-jobs", &ServerConfig::rocksdb_background_jobs, 1, 64,
                        false, "RocksDB flush and compaction threads"));
  rows.push_back(SizeRow("rocksdb-write-buffer-size", &ServerConfig::rocksdb_write_buffer_size,
                         uint64_t{1} << 20, uint64_t{1} << 30, false,
                         "RocksDB memtable size (up to two in memory)"));
  rows.push_back(SnapshotOnStartRow());
  rows.push_back(IntRow("undo-depth", &ServerConfig::undo_depth, 0, 100000, true,
                        "UNDO steps kept per connection (0 = undo off)"));
  rows.push_back(SizeRow("undo-max-bytes", &ServerConfig::undo_max_bytes, 0, UINT64_MAX, true,
                         "memory for the UNDO history of one connection"));
  ConfigSpec busy =
      IntRow("busy-reply-threshold", &ServerConfig::busy_reply_threshold, 0, INT32_MAX, true,
             "ms a script runs before other clients get -BUSY (SCRIPT KILL then)");
  busy.aliases = {"lua-time-limit"};
  rows.push_back(std::move(busy));
}

}  // namespace cairn::config_internal
