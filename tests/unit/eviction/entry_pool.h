// Test fixture for eviction policies: owns real Entry allocations (built exactly as the shard
// builds them) and mimics the shard's side of the contract (access metadata updated before
// OnAccess, metadata copied before OnReplace).
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/cache/entry.h"
#include "cairn/eviction/lfu_counter.h"
#include "cairn/eviction/policy.h"

namespace cairn::testing {

// An arbitrary fixed "now" (Unix seconds) for tests that do not move time.
inline constexpr uint32_t kT0 = 1'700'000'000;

class EntryPool {
 public:
  // A new entry with the given key, LFU counter and last access, not yet known to any policy.
  Entry* Make(std::string_view key, uint8_t freq = lfu::kInitVal, uint32_t last_access_s = kT0) {
    void* mem = ::operator new(Entry::AllocSize(key.size(), kValue.size()));
    Entry* e = Entry::Construct(mem, key, kValue);
    e->set_freq(freq);
    e->set_last_access_s(last_access_s);
    entries_.emplace_back(e);
    return e;
  }

  Entry* Make(uint64_t id, uint8_t freq = lfu::kInitVal, uint32_t last_access_s = kT0) {
    return Make("key:" + std::to_string(id), freq, last_access_s);
  }

  // A new entry with a value of `value_len` bytes (size-aware policies read Entry::charge()).
  Entry* MakeSized(std::string_view key, size_t value_len, uint8_t freq = lfu::kInitVal) {
    const std::string value(value_len, 'v');
    void* mem = ::operator new(Entry::AllocSize(key.size(), value.size()));
    Entry* e = Entry::Construct(mem, key, value);
    e->set_freq(freq);
    e->set_last_access_s(kT0);
    entries_.emplace_back(e);
    return e;
  }

  // What the shard does on a hit: decay by idle time, log-increment, stamp, tell the policy.
  void Touch(EvictionPolicy& policy, Entry& e, uint32_t now_s) {
    uint8_t f = lfu::Decay(e.freq(), e.last_access_s(), now_s);
    e.set_freq(lfu::LogIncr(f, rng_));
    e.set_last_access_s(now_s);
    policy.OnAccess(e);
  }

  // What the shard does when a value is resized into a new allocation.
  Entry* Replace(EvictionPolicy& policy, Entry& old) {
    Entry* fresh = Make(old.key(), old.freq(), old.last_access_s());
    policy.OnReplace(old, *fresh);
    return fresh;
  }

  size_t size() const { return entries_.size(); }

 private:
  struct Free {
    void operator()(Entry* e) const { ::operator delete(e); }
  };
  static constexpr std::string_view kValue = "v";

  std::vector<std::unique_ptr<Entry, Free>> entries_;
  uint64_t rng_ = 0x9e3779b97f4a7c15ULL;
};

}  // namespace cairn::testing
