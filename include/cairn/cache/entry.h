// One cached key/value pair: a single allocation holding a fixed header followed by the key bytes
// and then the value bytes (binary-safe, not NUL-terminated).
//
// The header, 44 bytes (kHeaderBytes, pinned below; README "Each entry is one allocation"):
//    0- 7  prev         policy link
//    8-15  next         policy link
//   16     policy_tag   policy-owned byte
//   17-22  version      48 bits: the shard's write sequence at the last write (write-back, WATCH,
//                       UNDO compare it for equality; 2^48 writes are 9 years at 1M/s per shard)
//   23     freq         LFU counter
//   24-29  expire_at    absolute expiry in Unix ms, 0 = none (48 bits, signed: to year 6429;
//                       the commands clamp to kMaxExpireMs)
//   30     dirty bit (the other 15 bits of bytes 30-31 are free)
//   32-35  key_len
//   36-39  value_len
//   40-43  last_access_s
//   44-    the key, then the value (the class's last four bytes, `tail_`, are the payload's
//          first: a member rather than padding, so no store to a field can touch them)
// Why so small: a 14-byte key and a 100-byte value make 158 bytes, within jemalloc's 160 class,
// where a 48-byte header made 162 and took the 192 class (bench/README.md, issue 17).
// The shard's hash index holds the entry by pointer (src/cache/hash_index.h), with a bit that
// says whether the entry has an expiry (the active-expiry sweep reads it instead of the entry):
// the entry has neither an index link nor a slot in a list of keys with a TTL.
//
// Size charge (used for byte accounting, `maxmemory`, MEMORY USAGE):
//   Entry::Charge(key_len, value_len) = SizeClass(AllocSize(key_len, value_len))
//                                        + kIndexSlotCharge
// i.e. the allocation as jemalloc rounds it plus the key's share of the index: a deterministic
// function of the lengths, so accounting is exact and testable, and what the entry occupies, so
// used_memory follows RSS (bench/memory_density.py measures both).
//
// The header fields that eviction policies own (`prev`, `next`, `policy_tag`) are public: a
// policy orders entries through them and nothing else touches them. Everything else belongs to the
// shard that owns the entry.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cairn {

class Entry {
 public:
  // The index's bytes per key at its typical fill: 64-byte buckets of 7 slots holding 4..8 keys
  // per home bucket between resizes plus overflow children cost 12.6..16.8 B per key
  // (hash_index.h); 14 is the middle of that cycle (12.7 at 1M keys in 16 shards).
  static constexpr size_t kIndexSlotCharge = 14;
  static constexpr uint64_t kMaxVersion = (uint64_t{1} << 48) - 1;
  static constexpr int64_t kMaxExpireMs = (int64_t{1} << 47) - 1;
  // Bytes before the key (the payload starts inside the class, at tail_).
  static constexpr size_t kHeaderBytes = 44;

  // Policy hook: intrusive links and an 8-bit tag (segment / queue id / visited bit ...).
  Entry* prev = nullptr;
  Entry* next = nullptr;
  // Policy-owned scratch tag (segment / queue id / visited bit ...).
  uint8_t policy_tag = 0;

  std::string_view key() const { return {payload(), key_len_}; }
  std::string_view value() const { return {payload() + key_len_, value_len_}; }
  char* mutable_value() { return payload() + key_len_; }
  uint32_t key_len() const { return key_len_; }
  uint32_t value_len() const { return value_len_; }

  // Absolute expiry in Unix ms; 0 means no expiry.
  int64_t expire_at_ms() const { return expire_at_; }
  bool has_expiry() const { return expire_at_ != 0; }
  bool ExpiredAt(int64_t now_ms) const {
    const int64_t at = expire_at_;
    return at != 0 && at <= now_ms;
  }

  uint64_t version() const { return version_; }
  bool dirty() const { return dirty_ != 0; }
  // LFU counter (Redis's logarithmic 8-bit counter, maintained for every policy).
  uint8_t freq() const { return static_cast<uint8_t>(freq_); }
  // Last access, in Unix seconds (OBJECT IDLETIME, LRU order rebuilds).
  uint32_t last_access_s() const { return last_access_s_; }

  size_t charge() const { return Charge(key_len_, value_len_); }
  static constexpr size_t Charge(size_t key_len, size_t value_len) {
    return SizeClass(AllocSize(key_len, value_len)) + kIndexSlotCharge;
  }
  // jemalloc's size class for an allocation of n bytes (8; multiples of 16 to 128; then four
  // classes per doubling), what the entry really occupies: charging it keeps used_memory and
  // maxmemory within a few percent of RSS at every value size (a 14-byte key and a 1 KiB value
  // allocate 1084 bytes and occupy 1280). With CAIRN_ALLOCATOR=system it is an estimate.
  static constexpr size_t SizeClass(size_t n) {
    if (n <= 8) return 8;
    if (n <= 128) return (n + 15) & ~size_t{15};
    const size_t delta = size_t{1} << (std::bit_width(n - 1) - 3);
    return (n + delta - 1) & ~(delta - 1);
  }

  // --- shard-only mutators ---
  void set_expire_at_ms(int64_t ms) {
    expire_at_ = ms > kMaxExpireMs ? kMaxExpireMs : (ms < -kMaxExpireMs ? -kMaxExpireMs : ms);
  }
  void set_version(uint64_t v) { version_ = v & kMaxVersion; }
  void set_dirty(bool d) { dirty_ = d ? 1 : 0; }
  void set_freq(uint8_t f) { freq_ = f; }
  void set_last_access_s(uint32_t s) { last_access_s_ = s; }
  void set_value_len(uint32_t n) { value_len_ = n; }

  // Constructs the header in `mem` (at least AllocSize(k, v) bytes) and copies key and value.
  static Entry* Construct(void* mem, std::string_view key, std::string_view value);
  // At least sizeof(Entry): the class's tail_ must lie inside the allocation.
  static constexpr size_t AllocSize(size_t key_len, size_t value_len) {
    return kHeaderBytes + key_len + value_len < sizeof(Entry) ? sizeof(Entry)
                                                              : kHeaderBytes + key_len + value_len;
  }

 private:
  char* payload() { return reinterpret_cast<char*>(this) + kHeaderBytes; }
  const char* payload() const { return reinterpret_cast<const char*>(this) + kHeaderBytes; }

  // Packed after policy_tag into the same 8 bytes (bit-fields share the word with the byte
  // before them on the Itanium ABI, which GCC and Clang follow).
  uint64_t version_ : 48 = 0;
  uint64_t freq_ : 8 = 0;
  int64_t expire_at_ : 48 = 0;
  uint64_t dirty_ : 1 = 0;
  uint32_t key_len_ = 0;
  uint32_t value_len_ = 0;
  uint32_t last_access_s_ = 0;
  [[maybe_unused]] char tail_[4] = {};  // the payload's first four bytes (payload() starts here)
};

// The header's size is part of every key's cost (issue 17: bytes per key): a change that grows it
// must change this line, and README's "Each entry is one allocation" with it.
static_assert(sizeof(Entry) == 48 && Entry::kHeaderBytes == 44,
              "Entry header size changed: update README and Charge docs");

inline Entry* Entry::Construct(void* mem, std::string_view key, std::string_view value) {
  auto* e = new (mem) Entry();
  e->key_len_ = static_cast<uint32_t>(key.size());
  e->value_len_ = static_cast<uint32_t>(value.size());
  if (!key.empty()) std::memcpy(e->payload(), key.data(), key.size());
  if (!value.empty()) std::memcpy(e->payload() + key.size(), value.data(), value.size());
  return e;
}

}  // namespace cairn
