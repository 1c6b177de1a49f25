#include "io_context_pool.h"

#include <algorithm>

namespace cairn {

IoContextPool::IoContextPool(size_t n) {
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
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
