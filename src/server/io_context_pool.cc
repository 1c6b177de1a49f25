#include "io_context_pool.h"

#include <algorithm>

namespace cairn {

size_t AutoIoThreads(unsigned cores) {
  // One core is left to the background threads (active expiry, write-back flush, RocksDB
  // compaction). On 1-2 cores a second I/O thread measured worse (bench/compare_redis.sh: p99
  // doubled and GET P16 fell from 1.32x to 1.13x of Redis when the clients share the cores).
  return cores <= 2 ? 1 : cores - 1;
}

IoContextPool::IoContextPool(size_t n) {
  if (n == 0) n = AutoIoThreads(std::thread::hardware_concurrency());
  contexts_.reserve(n);
  guards_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    // Concurrency hint 1: exactly one thread runs each context.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

IoContextPool::~IoContextPool() { Stop(); }

void IoContextPool::Start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] { c->run(); });
  }
}

void IoContextPool::Stop() {
  for (auto& g : guards_) g.reset();
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

boost::asio::io_context& IoContextPool::Next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

}  // namespace cairn
