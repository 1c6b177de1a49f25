// A pool of io_contexts, one thread each (Asio's examples/cpp11/http/server2 io_context_pool).
// A connection is pinned to one io_context for its whole life, so its coroutine, socket and
// timers are only ever touched by that context's thread: sessions need no strand and no lock for
// their own state. Cross-thread requests (CLIENT KILL, shutdown) are posted to the owning context.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace cairn {

// The I/O thread count io-threads 0 ("auto") means on a machine with `cores` cores: 1 on one or
// two cores, otherwise one less than the cores.
size_t AutoIoThreads(unsigned cores);

class IoContextPool {
 public:
  // n = 0 means AutoIoThreads(std::thread::hardware_concurrency()).
  explicit IoContextPool(size_t n);
  ~IoContextPool();
  IoContextPool(const IoContextPool&) = delete;
  IoContextPool& operator=(const IoContextPool&) = delete;

  // Starts one thread per io_context; each runs until Stop().
  void Start();
  // Stops every io_context and joins the threads. Idempotent.
  void Stop();

  // Round-robin choice for a new connection.
  boost::asio::io_context& Next();
  boost::asio::io_context& At(size_t i) { return *contexts_[i]; }
  size_t size() const { return contexts_.size(); }

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace cairn
