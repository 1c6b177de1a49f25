#include "frequency_sketch.h"

#include <algorithm>
#include <bit>

namespace cairn::eviction {
namespace {

constexpr uint64_t kResetMask = 0x7777777777777777ULL;
constexpr uint64_t kOneMask = 0x1111111111111111ULL;

// A second, independent-enough hash for the counter positions (SplitMix64 finaliser).
uint64_t Remix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

void FrequencySketch::Allocate(size_t words) {
  table_.assign(words, 0);
  block_mask_ = words / kBlockWords - 1;
  sample_size_ = sample_factor_ * words;
  size_ = 0;
  halving_ = false;
  halve_cursor_ = 0;
  halve_odd_ = 0;
}

void FrequencySketch::Reset() {
  std::vector<uint64_t>().swap(table_);
  Allocate(kMinWords);
}

void FrequencySketch::EnsureCapacity(size_t entries) {
  if (entries <= table_.size()) return;
  Allocate(std::bit_ceil(entries));
}

FrequencySketch::Slots FrequencySketch::Locate(uint64_t hash) const {
  Slots s;
  size_t block = (static_cast<size_t>(hash) & block_mask_) * kBlockWords;
  uint64_t h = Remix(hash);
  for (int i = 0; i < 4; ++i) {
    uint32_t byte = static_cast<uint32_t>(h >> (i * 8)) & 0xff;
    s.word[i] = block + (byte & 1) + static_cast<size_t>(i) * 2;  // one of each pair of words
    s.shift[i] = static_cast<int>((byte >> 1) & 15) * 4;          // one of its 16 counters
  }
  return s;
}

int FrequencySketch::Frequency(uint64_t hash) const {
  Slots s = Locate(hash);
  int f = kMaxCount;
  for (int i = 0; i < 4; ++i) {
    f = std::min(f, static_cast<int>((table_[s.word[i]] >> s.shift[i]) & 0xf));
  }
  return f;
}

void FrequencySketch::Increment(uint64_t hash) {
  if (halving_) HalveNextBlock();
  Slots s = Locate(hash);
  bool added = false;
  for (int i = 0; i < 4; ++i) {
    uint64_t mask = uint64_t{0xf} << s.shift[i];
    if ((table_[s.word[i]] & mask) != mask) {
      table_[s.word[i]] += uint64_t{1} << s.shift[i];
      added = true;
    }
  }
  if (added && ++size_ >= sample_size_ && !halving_) {
    // Start a halving pass; like Caffeine, the sample count halves too, less the increments
    // lost to truncating odd counters (each key increments four counters), subtracted at the
    // end of the pass.
    halving_ = true;
    halve_cursor_ = 0;
    halve_odd_ = 0;
    size_ /= 2;
  }
}

void FrequencySketch::HalveNextBlock() {
  for (size_t i = 0; i < kBlockWords; ++i) {
    uint64_t& w = table_[halve_cursor_ + i];
    halve_odd_ += static_cast<size_t>(std::popcount(w & kOneMask));
    w = (w >> 1) & kResetMask;
  }
  halve_cursor_ += kBlockWords;
  if (halve_cursor_ == table_.size()) {
    halving_ = false;
    size_ -= std::min(size_, halve_odd_ / 8);
    ++halvings_;
  }
}

}  // namespace cairn::eviction
