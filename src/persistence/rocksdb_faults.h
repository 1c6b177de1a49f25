// RocksDbStore's fault handling, apart from the store itself: RocksDB's info log through spdlog,
// the store's health state (does it take writes, why not) and the EventListener that feeds it
// from RocksDB's background error handling. Private to the persistence module.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/listener.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "cairn/common/clock.h"
#include "cairn/persistence/rocksdb_store.h"

namespace cairn::rocksdb_faults {

// RocksDB's info log, through spdlog. RocksDB's own (EnvLogger, <path>/LOG) writes through a
// WritableFileWriter that remembers a failed append, and the next append to it asserts
// (WritableFileWriter::AssertFalseAndGetStatusForPrevError, `sync_without_flush_called_`):
// Debian's librocksdb is built with assertions on, so once the disk is full (or read-only, or
// failing) the LOG line in which RocksDB's error handler reports that very error aborted the
// process. Here a line goes to Cairn's log, which reports a failed write of its own and carries
// on. RocksDB's INFO lines (one per flush and compaction) are Cairn's debug; its warnings and
// errors are Cairn's.
class SpdlogInfoLog final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    const spdlog::level::level_enum to = ToSpdlog(level);
    if (!spdlog::should_log(to)) return;
    char buf[1024];
    const int n = std::vsnprintf(buf, sizeof buf, format, ap);
    if (n < 0) return;
    const size_t len = std::min(static_cast<size_t>(n), sizeof buf - 1);
    spdlog::log(to, "rocksdb: {}", std::string_view(buf, len));
  }
  // Follows Cairn's log level, so RocksDB formats no line that would be dropped.
  rocksdb::InfoLogLevel GetInfoLogLevel() const override {
    return spdlog::should_log(spdlog::level::debug) ? rocksdb::InfoLogLevel::INFO_LEVEL
                                                    : rocksdb::InfoLogLevel::WARN_LEVEL;
  }

 private:
  static spdlog::level::level_enum ToSpdlog(rocksdb::InfoLogLevel level) {
    switch (level) {
      case rocksdb::InfoLogLevel::DEBUG_LEVEL:
        return spdlog::level::trace;
      case rocksdb::InfoLogLevel::WARN_LEVEL:
        return spdlog::level::warn;
      case rocksdb::InfoLogLevel::ERROR_LEVEL:
        return spdlog::level::err;
      case rocksdb::InfoLogLevel::FATAL_LEVEL:
        return spdlog::level::critical;
      default:  // INFO, HEADER
        return spdlog::level::debug;
    }
  }
};

// Whether the store takes writes, and why not. Set by a failed write and by RocksDB's background
// error handler (a failed memtable flush, compaction or MANIFEST write that stopped writes);
// cleared by a recovery (Resume, reopen). Transitions are logged once.
class StoreHealthState {
 public:
  explicit StoreHealthState(const Clock& clock) : clock_(clock) {}

  bool failing() const { return failing_.load(std::memory_order_acquire); }
  // A WAL append failed: the DB's WAL writer keeps that error, and the next append to it trips
  // an assertion in Debian's librocksdb (WritableFileWriter::AssertFalseAndGetStatusForPrevError).
  // Resume() keeps that writer when there is nothing in the memtable to flush (no WAL switch),
  // so only a reopen, which starts a new WAL, recovers from it.
  bool wal_failed() const { return wal_failed_.load(std::memory_order_acquire); }
  void SetWalFailed() { wal_failed_.store(true, std::memory_order_release); }

  void SetObserver(StoreHealthObserver observer) {
    std::lock_guard lock(mu_);
    observer_ = std::move(observer);
  }

  void Fail(std::string_view where, const std::string& error) {
    std::lock_guard lock(mu_);
    ++errors_;
    last_error_ = OneLine(error);
    if (failing_.exchange(true, std::memory_order_acq_rel)) return;
    since_ms_ = clock_.NowMs();
    spdlog::error("persistence: the store stopped taking writes ({}): {}", where, last_error_);
    if (observer_) observer_(false, last_error_);
  }

  void Recovered(std::string_view how) {
    std::lock_guard lock(mu_);
    wal_failed_.store(false, std::memory_order_release);
    if (!failing_.exchange(false, std::memory_order_acq_rel)) return;
    ++recoveries_;
    const int64_t ms = clock_.NowMs() - since_ms_;
    spdlog::warn("persistence: the store takes writes again ({}) after {} ms", how, ms);
    if (observer_) observer_(true, std::string(how) + " after " + std::to_string(ms) + " ms");
  }

  std::string last_error() const {
    std::lock_guard lock(mu_);
    return last_error_;
  }

  StoreHealth Snapshot() const {
    std::lock_guard lock(mu_);
    StoreHealth h;
    h.ok = !failing_.load(std::memory_order_acquire);
    h.last_error = last_error_;
    h.failing_since_ms = h.ok ? 0 : since_ms_;
    h.errors = errors_;
    h.recoveries = recoveries_;
    return h;
  }

 private:
  static std::string OneLine(std::string s) {
    for (char& c : s) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    return s;
  }

  const Clock& clock_;
  StoreHealthObserver observer_;  // guarded by mu_
  std::atomic<bool> failing_{false};
  std::atomic<bool> wal_failed_{false};
  mutable std::mutex mu_;
  std::string last_error_;  // the latest error, kept after a recovery
  int64_t since_ms_ = 0;
  uint64_t errors_ = 0, recoveries_ = 0;
};

// RocksDB's background error handling, reported to the health state. Called on RocksDB's
// threads, some with the DB mutex held: it must not call into the DB.
class ErrorListener final : public rocksdb::EventListener {
 public:
  explicit ErrorListener(StoreHealthState& health) : health_(health) {}

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* bg_error) override {
    if (bg_error == nullptr || bg_error->ok()) return;
    // A soft error (a failed compaction) leaves writes on: logged, not a failing store.
    if (bg_error->severity() < rocksdb::Status::Severity::kHardError) {
      spdlog::warn("persistence: RocksDB background {} failed: {}", ToString(reason),
                   bg_error->ToString());
      return;
    }
    if (WalWrite(reason)) health_.SetWalFailed();
    health_.Fail(ToString(reason), bg_error->ToString());
  }
  // RocksDB's own recovery is off: the store's watchdog recovers. After ENOSPC RocksDB's would
  // wait for as much free space as a write buffer (64 MB by default, more than a small disk may
  // ever free), answering the watchdog's Resume() with Busy meanwhile; and it clears a failed
  // WAL write with Resume's steps, which keep the failed WAL writer (see wal_failed).
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status /*error*/,
                            bool* auto_recovery) override {
    if (auto_recovery != nullptr) *auto_recovery = false;
  }
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (info.new_bg_error.ok()) health_.Recovered("RocksDB cleared the error");
  }

 private:
  static bool WalWrite(rocksdb::BackgroundErrorReason reason) {
    return reason == rocksdb::BackgroundErrorReason::kWriteCallback ||
           reason == rocksdb::BackgroundErrorReason::kMemTable;
  }
  static const char* ToString(rocksdb::BackgroundErrorReason reason) {
    switch (reason) {
      case rocksdb::BackgroundErrorReason::kFlush:
        return "memtable flush";
      case rocksdb::BackgroundErrorReason::kCompaction:
        return "compaction";
      case rocksdb::BackgroundErrorReason::kWriteCallback:
        return "write";
      case rocksdb::BackgroundErrorReason::kMemTable:
        return "memtable insert";
      case rocksdb::BackgroundErrorReason::kManifestWrite:
      case rocksdb::BackgroundErrorReason::kManifestWriteNoWAL:
        return "MANIFEST write";
      case rocksdb::BackgroundErrorReason::kFlushNoWAL:
        return "memtable flush";
    }
    return "background work";
  }

  StoreHealthState& health_;
};

}  // namespace cairn::rocksdb_faults
