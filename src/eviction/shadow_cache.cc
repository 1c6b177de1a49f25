#include "shadow_cache.h"

#include <bit>
#include <cstring>
#include <string_view>

#include "cairn/cache/entry.h"
#include "cairn/eviction/lfu_counter.h"

namespace cairn::eviction {

static_assert(Entry::AllocSize(8, 0) <= sizeof(Entry) + 8 &&
                  (sizeof(Entry) + 8) % alignof(Entry) == 0,
              "shadow blocks (kBlock) hold an entry with an 8-byte key, aligned");

ShadowCache::ShadowCache(std::unique_ptr<EvictionPolicy> policy) : policy_(std::move(policy)) {}

ShadowCache::~ShadowCache() { Reset(0); }

void ShadowCache::Reset(size_t capacity, std::unique_ptr<EvictionPolicy> fresh,
                        uint64_t byte_capacity) {
  if (fresh != nullptr) {
    policy_ = std::move(fresh);
  } else {
    policy_->Clear();
  }
  // Blocks hold trivially destructible Entry headers: dropping the storage is enough.
  capacity_ = capacity;
  size_ = 0;
  byte_capacity_ = byte_capacity;
  bytes_ = 0;
  std::vector<unsigned char>(capacity * kBlock).swap(blocks_);
  std::vector<uint64_t>(capacity, 0).swap(hash_of_);
  std::vector<uint32_t>().swap(free_);
  free_.reserve(capacity);
  for (size_t b = capacity; b-- > 0;) free_.push_back(static_cast<uint32_t>(b));
  size_t slots = capacity == 0 ? 0 : std::bit_ceil(capacity * 2);
  std::vector<uint32_t>(slots, kNil).swap(slots_);
  mask_ = slots == 0 ? 0 : slots - 1;
}

uint32_t ShadowCache::BlockOf(const Entry* e) const {
  return static_cast<uint32_t>((reinterpret_cast<const unsigned char*>(e) - blocks_.data()) /
                               kBlock);
}

size_t ShadowCache::Probe(uint64_t hash) const {
  size_t s = Home(hash);
  while (slots_[s] != kNil && hash_of_[slots_[s]] != hash) s = (s + 1) & mask_;
  return s;
}

void ShadowCache::EraseSlot(size_t slot) {
  size_t hole = slot;
  for (size_t s = (hole + 1) & mask_;; s = (s + 1) & mask_) {
    uint32_t b = slots_[s];
    if (b == kNil) break;
    size_t home = Home(hash_of_[b]);
    bool stays = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
    if (!stays) {
      slots_[hole] = b;
      hole = s;
    }
  }
  slots_[hole] = kNil;
}

void ShadowCache::Remove(uint32_t block) {
  EraseSlot(Probe(hash_of_[block]));
  bytes_ -= EntryAt(block)->charge();
  free_.push_back(block);
  --size_;
}

bool ShadowCache::Request(uint64_t hash, size_t charge) {
  if (capacity_ == 0) return false;
  size_t s = Probe(hash);
  if (slots_[s] != kNil) {
    Entry& hit = *EntryAt(slots_[s]);
    hit.set_freq(lfu::LogIncr(hit.freq(), rng_));  // as the shard does (no decay: no clock)
    policy_->OnAccess(hit);
    return true;
  }
  constexpr size_t kBare = Entry::Charge(sizeof(uint64_t), 0);
  const size_t value_len = charge > kBare ? charge - kBare : 0;
  const uint64_t need = kBare + value_len;
  if (byte_capacity_ != 0 && need > byte_capacity_) return false;  // larger than the shadow
  while (size_ >= capacity_ || (byte_capacity_ != 0 && bytes_ + need > byte_capacity_)) {
    Entry* victim = policy_->PickVictim(0);
    if (victim == nullptr) return false;  // a policy that never evicts: do not cache
    policy_->OnErase(*victim);
    Remove(BlockOf(victim));
  }
  uint32_t b = free_.back();
  free_.pop_back();
  char key[sizeof(uint64_t)];
  std::memcpy(key, &hash, sizeof(key));
  Entry* e = Entry::Construct(EntryAt(b), std::string_view(key, sizeof(key)), {});
  e->set_value_len(static_cast<uint32_t>(value_len));  // the charge only: no value bytes behind it
  e->set_freq(lfu::kInitVal);                          // gdsf reads the shard's LFU counter
  bytes_ += e->charge();
  hash_of_[b] = hash;
  slots_[Probe(hash)] = b;
  ++size_;
  policy_->OnInsert(*e);
  return false;
}

void ShadowCache::Erase(uint64_t hash) {
  if (capacity_ == 0) return;
  size_t s = Probe(hash);
  if (slots_[s] == kNil) return;
  uint32_t b = slots_[s];
  policy_->OnErase(*EntryAt(b));
  Remove(b);
}

size_t ShadowCache::MemoryBytes() const {
  return blocks_.capacity() + hash_of_.capacity() * sizeof(uint64_t) +
         free_.capacity() * sizeof(uint32_t) + slots_.capacity() * sizeof(uint32_t) +
         policy_->MetadataBytes();
}

}  // namespace cairn::eviction
