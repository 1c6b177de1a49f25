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
// TLS (tls-port): the same loop over an ssl::stream wrapping the socket, after a handshake bounded
// by tls-handshake-timeout-ms (a timer cancels it; the I/O thread never waits on a client). Reads
// and writes pick the stream with one branch per system call. Replies are encrypted and written
// at once as for plain TCP (WriteNow); what the kernel does not take waits in the transport's
// backlog (tls_transport.h), which Flush drains before the next read.
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
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cairn/command/context.h"
#include "cairn/protocol/reply_builder.h"
#include "cairn/protocol/resp_parser.h"
#include "client_info.h"
#include "server_impl.h"
#include "session_pubsub.h"
#include "tls_context.h"
#include "tls_transport.h"

namespace cairn {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `tls`: the TLS context of the listener's accept time (nullptr: plain TCP). `refusal`: a
  // refused TLS client (protected mode): this text (static) is sent after the handshake, then
  // the connection closes.
  Session(Server::Impl& server, boost::asio::ip::tcp::socket socket, uint64_t id,
          std::shared_ptr<TlsContext> tls = nullptr, std::string_view refusal = {});
  ~Session();  // leaves the pub/sub hub and the MONITOR feed if Run() could not
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
  // Subscribers and monitors never time out (Redis exempts pub/sub and MONITOR clients).
  bool IdleSince(int64_t deadline_ms) const {
    return !busy_.load(std::memory_order_relaxed) &&
           !pushes_only_.load(std::memory_order_relaxed) &&
           last_active_ms_.load(std::memory_order_relaxed) < deadline_ms;
  }
  ClientIoInfo io_info() const;
  // maxmemory-clients: this client's buffers in bytes as last accounted, and whether it may be
  // closed to make room (not CLIENT NO-EVICT, not already chosen).
  uint64_t memory() const { return memory_.load(std::memory_order_relaxed); }
  bool Evictable() const { return !no_evict_.load(std::memory_order_relaxed) && !evicted(); }
  bool evicted() const { return evicted_.load(std::memory_order_relaxed); }
  // Chooses this client for eviction (once); false if another caller chose it first.
  bool MarkEvicted() { return !evicted_.exchange(true, std::memory_order_relaxed); }

  // The session whose command is executing on this thread, or nullptr.
  static Session* Current();
  ClientState& live() { return live_; }

  // --- pub/sub and MONITOR pushes (session_pubsub.h), any thread ---
  // Posts OnPushWake to this session's context (no-op once the session is being destroyed).
  void PostPushWake();
  // The client broke client-output-buffer-limit <type>: log, count and close it now.
  void CloseForOutputLimit(ClientType type);

 private:
  enum class Wait : uint8_t { kNone, kHandshake, kRead, kWrite, kSleep };
  // Why RunCommands() stopped before the end of the query buffer.
  enum class Pause : uint8_t { kNone, kSleep, kFlush };

  // The TLS handshake, bounded in time; false when the connection must close.
  boost::asio::awaitable<bool> Handshake();
  boost::asio::awaitable<void> Serve();
  // Parses and executes the buffered commands without suspending (no coroutine frame per batch);
  // returns kSleep after a DEBUG SLEEP and kFlush when the replies reached kFlushBytes, for Serve
  // to suspend and call it again.
  Pause RunCommands();
  // Writes out_ without suspending when the socket takes it all (the usual case: no coroutine
  // frame, no reactor round trip). Returns false when bytes remain: co_await Flush() for them.
  bool WriteNow();
  // WriteNow for TLS: encrypts out_ whole into the stream; false when some is in the backlog.
  bool EncryptNow();
  boost::asio::awaitable<void> Flush();
  void ReleaseOutput();
  boost::asio::awaitable<void> Sleep(int64_t us);
  void OnPushWake();
  void LeavePubSub();
  void EnsureReadSpace();
  void CompactOrShrink();
  void Publish();
  // Brings clients_memory up to date with this session's buffers; when they grew past
  // maxmemory-clients, evicts the largest clients. False when this session was one of them.
  bool AccountMemory();
  // What Redis's client eviction counts, less its bookkeeping: the session itself, the query
  // buffer's allocation (a big bulk's announced size is allocated when its header arrives), the
  // reply buffer's and the pushes queued for it (omem). CLIENT LIST tot-mem.
  uint64_t BufferMemory() const {
    return sizeof(Session) + cap_ + out_.capacity() + pushes_.queued_bytes() +
           (tls_ == nullptr ? 0 : tls_->next_layer().backlog().capacity());
  }
  ClientIoInfo CurrentIo() const;
  ClientIoInfo ShownIo() const;         // needs shown_mu_
  bool TrackingRedirectBroken() const;  // flag R; takes the tracking table's lock
  void CloseSocket();
  bool AuthRequired() const;
  // The replies in out_ break the client's client-output-buffer-limit: report it and stop.
  bool RepliesOverLimit();
  // Logs and counts the first break of the output limit (either path, any thread).
  void ReportOutputLimit(ClientType type);

  Server::Impl& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  int fd_ = -1;
  std::shared_ptr<TlsContext> tls_context_;  // kept for the connection's life (reloads)
  std::unique_ptr<boost::asio::ssl::stream<TlsTransport>> tls_;
  const char* tls_version_ = nullptr;  // "TLSv1.3" once the handshake is done
  std::string_view refusal_;
  bool handshaking_ = false;

  // --- owned by the session's thread ---
  ClientState live_;
  Wait wait_ = Wait::kNone;
  bool killed_ = false;          // Kill(): stop at the next suspension point, write nothing more
  bool stopping_ = false;        // BeginShutdown(): finish the write in flight, then close
  bool close_ = false;           // close after the replies of this batch
  bool push_woken_ = false;      // the read was cancelled to write pushes
  std::unique_ptr<char[]> buf_;  // query buffer: [rpos_, wpos_) holds unparsed bytes
  size_t cap_ = 0;
  size_t rpos_ = 0;
  size_t wpos_ = 0;
  size_t need_ = 0;  // don't parse again before this many unparsed bytes are buffered
  std::string out_;
  ReplyBuilder reply_;
  RespParser parser_;
  CommandArgs args_;
  SessionPushes pushes_;            // ClientState::subscriber: pub/sub messages, MONITOR lines
  OutputLimitTracker reply_limit_;  // client-output-buffer-limit soft timer of the reply path

  // --- shared with other threads ---
  // shown_ / shown_io_: a snapshot of live_ after the last batch, guarded by shown_mu_. Only the
  // session's thread writes them, so it compares them without the lock and republishes (lock,
  // copy) only what changed. last_interaction_ms changes on every batch: it is published in
  // shown_interaction_ms_ instead, which readers copy into shown_ under the lock.
  mutable std::mutex shown_mu_;
  mutable ClientState shown_;
  ClientIoInfo shown_io_;
  std::atomic<int64_t> shown_interaction_ms_{0};
  std::atomic<int64_t> last_active_ms_{0};
  std::atomic<uint64_t> memory_{0};  // AccountMemory(): what clients_memory holds for us
  std::atomic<bool> no_evict_{false};
  std::atomic<bool> evicted_{false};
  std::atomic<bool> busy_{false};
  std::atomic<bool> pushes_only_{false};  // subscribed or monitoring: exempt from the timeout
  std::atomic<bool> output_limit_broken_{false};  // reported: log and count it once
};

}  // namespace cairn
