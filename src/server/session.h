// One client connection: a coroutine on the io_context the connection is pinned to.
//
// Loop: read what the socket has -> parse every complete command in the query buffer -> run each
// through the Dispatcher, appending its reply to one output string -> one async_write for the
// whole batch (pipelining). A NeedMore with a known size (`need_bytes`) makes the session wait
// for that many bytes instead of re-parsing a large partial bulk on every read; the buffer is
// then grown to exactly that size so the bulk arrives in place. Parsing stops after a command
// that closes the connection (QUIT, CLIENT KILL of self, SHUTDOWN) or a protocol error, whose
// error reply is sent before the close.
//
// Other threads see a session only through the thread-safe members below: Kill / BeginShutdown
// post to the session's own context; CLIENT LIST reads a snapshot of the ClientState that the
// session republishes (under shown_mu_) after each batch, or the live state when the caller is
// this very session (Current()).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cairn/command/context.h"
#include "cairn/protocol/reply_builder.h"
#include "cairn/protocol/resp_parser.h"
#include "client_info.h"
#include "server_impl.h"

namespace cairn {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, boost::asio::ip::tcp::socket socket, uint64_t id);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The connection's coroutine; unregisters the session when it ends.
  boost::asio::awaitable<void> Run();

  uint64_t id() const { return live_.id; }

  // --- any thread ---
  // Closes the connection now (CLIENT KILL, idle timeout, end of the shutdown grace period).
  void Kill();
  // Closes the connection once the batch in flight (if any) has been written.
  void BeginShutdown();
  // Appends this client's CLIENT LIST line (without '\n').
  void AppendInfo(std::string& out, int64_t now_ms) const;
  // Runs `match` on the client's state (live when called from this session's own command).
  bool Matches(const std::function<bool(const ClientState&)>& match) const;
  // Idle-timeout check: not executing commands (waiting to read, or for a reply write to drain)
  // and no read or write started since `deadline_ms`.
  bool IdleSince(int64_t deadline_ms) const {
    return !busy_.load(std::memory_order_relaxed) &&
           last_active_ms_.load(std::memory_order_relaxed) < deadline_ms;
  }
  ClientIoInfo io_info() const;

  // The session whose command is executing on this thread, or nullptr.
  static Session* Current();
  ClientState& live() { return live_; }

 private:
  enum class Wait : uint8_t { kNone, kRead, kWrite, kSleep };

  boost::asio::awaitable<void> Serve();
  boost::asio::awaitable<void> ProcessInput();
  boost::asio::awaitable<void> Flush();
  boost::asio::awaitable<void> Sleep(int64_t us);
  void EnsureReadSpace();
  void CompactOrShrink();
  void Publish();
  void CloseSocket();
  bool AuthRequired() const;

  Server::Impl& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  int fd_ = -1;

  // --- owned by the session's thread ---
  ClientState live_;
  Wait wait_ = Wait::kNone;
  bool killed_ = false;          // Kill(): stop at the next suspension point, write nothing more
  bool stopping_ = false;        // BeginShutdown(): finish the write in flight, then close
  bool close_ = false;           // close after the replies of this batch
  std::unique_ptr<char[]> buf_;  // query buffer: [rpos_, wpos_) holds unparsed bytes
  size_t cap_ = 0;
  size_t rpos_ = 0;
  size_t wpos_ = 0;
  size_t need_ = 0;  // don't parse again before this many unparsed bytes are buffered
  std::string out_;
  ReplyBuilder reply_;
  RespParser parser_;
  CommandArgs args_;

  // --- shared with other threads ---
  mutable std::mutex shown_mu_;
  ClientState shown_;      // guarded by shown_mu_ (snapshot of live_ after the last batch)
  ClientIoInfo shown_io_;  // guarded by shown_mu_
  std::atomic<int64_t> last_active_ms_{0};
  std::atomic<bool> busy_{false};
};

}  // namespace cairn
