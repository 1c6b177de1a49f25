#include "sim.h"

#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cairn/cache/entry.h"
#include "cairn/eviction/lfu_counter.h"

namespace cairn::hitratio {
namespace {

constexpr size_t kKeyLen = sizeof(uint32_t);

// Fixed-size Entry blocks (header + 4-byte key), recycled through a free list: no allocation
// per request once the cache is full.
class EntrySlab {
 public:
  Entry* Make(uint32_t id) {
    if (free_.empty()) Grow();
    void* mem = free_.back();
    free_.pop_back();
    char key[kKeyLen];
    std::memcpy(key, &id, kKeyLen);
    return Entry::Construct(mem, std::string_view(key, kKeyLen), {});
  }
  void Free(Entry* e) {
    e->~Entry();
    free_.push_back(e);
  }
  static uint32_t IdOf(const Entry& e) {
    uint32_t id;
    std::memcpy(&id, e.key().data(), kKeyLen);
    return id;
  }

 private:
  static constexpr size_t kBlock = (sizeof(Entry) + kKeyLen + 7) / 8 * 8;
  static constexpr size_t kPerChunk = 4096;

  void Grow() {
    chunks_.push_back(std::make_unique<std::max_align_t[]>(
        (kBlock * kPerChunk + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t)));
    char* base = reinterpret_cast<char*>(chunks_.back().get());
    for (size_t i = kPerChunk; i-- > 0;) free_.push_back(base + i * kBlock);
  }

  std::vector<std::unique_ptr<std::max_align_t[]>> chunks_;
  std::vector<void*> free_;
};

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Max-heap of resident ids keyed by next use, with positions for O(log n) updates.
class NextUseHeap {
 public:
  explicit NextUseHeap(uint32_t universe) : pos_(universe, kNever), key_(universe, 0) {}
  bool Contains(uint32_t id) const { return pos_[id] != kNever; }
  bool empty() const { return heap_.empty(); }
  uint32_t Top() const { return heap_[0]; }
  uint32_t KeyOf(uint32_t id) const { return key_[id]; }
  void Push(uint32_t id, uint32_t key) {
    key_[id] = key;
    pos_[id] = static_cast<uint32_t>(heap_.size());
    heap_.push_back(id);
    Up(heap_.size() - 1);
  }
  // Keys only grow (a resident object's next use moves later in time).
  void Raise(uint32_t id, uint32_t key) {
    key_[id] = key;
    Up(pos_[id]);
  }
  void Pop() {
    uint32_t top = heap_[0];
    pos_[top] = kNever;
    uint32_t last = heap_.back();
    heap_.pop_back();
    if (heap_.empty()) return;
    heap_[0] = last;
    pos_[last] = 0;
    Down(0);
  }

 private:
  void Set(size_t i, uint32_t id) {
    heap_[i] = id;
    pos_[id] = static_cast<uint32_t>(i);
  }
  void Up(size_t i) {
    uint32_t id = heap_[i];
    while (i > 0) {
      size_t parent = (i - 1) / 2;
      if (key_[heap_[parent]] >= key_[id]) break;
      Set(i, heap_[parent]);
      i = parent;
    }
    Set(i, id);
  }
  void Down(size_t i) {
    uint32_t id = heap_[i];
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= heap_.size()) break;
      if (child + 1 < heap_.size() && key_[heap_[child + 1]] > key_[heap_[child]]) ++child;
      if (key_[heap_[child]] <= key_[id]) break;
      Set(i, heap_[child]);
      i = child;
    }
    Set(i, id);
  }

  std::vector<uint32_t> heap_;
  std::vector<uint32_t> pos_;
  std::vector<uint32_t> key_;
};

}  // namespace

SimResult Simulate(EvictionPolicy& policy, const Trace& trace, uint64_t capacity, bool bytes) {
  SimResult r;
  EntrySlab slab;
  std::vector<Entry*> index(trace.universe, nullptr);
  std::vector<uint32_t> size_of(bytes ? trace.universe : 0);
  uint64_t used = 0;
  uint64_t rng = 0x9E3779B97F4A7C15ULL;
  double cpu_start = ThreadCpuSeconds();
  auto start = std::chrono::steady_clock::now();
  const size_t n = trace.size();
  for (size_t i = 0; i < n; ++i) {
    const uint32_t id = trace.ids[i];
    const uint32_t size = bytes ? trace.SizeOf(i) : 1;
    const uint32_t now = trace.TimeOf(i);
    r.bytes += size;
    if (Entry* e = index[id]) {
      ++r.hits;
      r.hit_bytes += size;
      e->set_freq(lfu::LogIncr(lfu::Decay(e->freq(), e->last_access_s(), now), rng));
      e->set_last_access_s(now);
      policy.OnAccess(*e);
      continue;
    }
    if (size > capacity) {
      ++r.refused;
      continue;
    }
    while (used + size > capacity) {
      policy.OnLimit(bytes ? EvictionPolicy::Limit::kBytes : EvictionPolicy::Limit::kEntries);
      Entry* victim = policy.PickVictim(now);
      if (victim == nullptr) {
        throw std::runtime_error(std::string(policy.name()) + ": stuck (no victim) at request " +
                                 std::to_string(i));
      }
      uint32_t vid = EntrySlab::IdOf(*victim);
      if (index[vid] != victim) {
        throw std::runtime_error(std::string(policy.name()) + ": victim is not resident");
      }
      policy.OnErase(*victim);
      index[vid] = nullptr;
      used -= bytes ? size_of[vid] : 1;
      slab.Free(victim);
      ++r.evictions;
    }
    Entry* e = slab.Make(id);
    // The object's size as its charge (for size-aware policies); no value bytes behind it.
    if (bytes) e->set_value_len(size);
    e->set_freq(lfu::kInitVal);
    e->set_last_access_s(now);
    index[id] = e;
    if (bytes) size_of[id] = size;
    used += size;
    policy.OnInsert(*e);
  }
  r.seconds = Since(start);
  r.cpu_seconds = ThreadCpuSeconds() - cpu_start;
  r.requests = n;
  r.metadata_bytes = policy.MetadataBytes();
  policy.Clear();
  return r;
}

SimResult SimulateOpt(const Trace& trace, const std::vector<uint32_t>& next_uses, uint64_t capacity,
                      bool bytes) {
  SimResult r;
  NextUseHeap heap(trace.universe);
  std::vector<uint32_t> size_of(bytes ? trace.universe : 0);
  uint64_t used = 0;
  auto start = std::chrono::steady_clock::now();
  const size_t n = trace.size();
  for (size_t i = 0; i < n; ++i) {
    const uint32_t id = trace.ids[i];
    const uint32_t size = bytes ? trace.SizeOf(i) : 1;
    const uint32_t next = next_uses[i];
    r.bytes += size;
    if (heap.Contains(id)) {
      ++r.hits;
      r.hit_bytes += size;
      heap.Raise(id, next);
      continue;
    }
    if (next == kNever || size > capacity) continue;  // never used again: bypass
    // Evict what is used later than this object, furthest first, until it fits.
    while (used + size > capacity && !heap.empty() && heap.KeyOf(heap.Top()) > next) {
      uint32_t victim = heap.Top();
      heap.Pop();
      used -= bytes ? size_of[victim] : 1;
      ++r.evictions;
    }
    if (used + size > capacity) continue;  // everything resident is needed sooner: bypass
    heap.Push(id, next);
    if (bytes) size_of[id] = size;
    used += size;
  }
  r.seconds = Since(start);
  r.requests = n;
  return r;
}

}  // namespace cairn::hitratio
