// A blocking RESP client for the server tests: an asio socket used synchronously, with every
// wait bounded by poll() (kWait) so that a broken server fails a test instead of hanging it.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

namespace cairn::testing {

inline constexpr int kWaitMs = 5000;

// Encodes a command as a RESP multibulk.
inline std::string Resp(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}

inline std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

class TestClient {
 public:
  explicit TestClient(uint16_t port) : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  void Send(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  // Sends one command and returns its raw reply.
  std::string Call(std::initializer_list<std::string_view> args) {
    Send(Resp(args));
    return Read();
  }

  // Returns the next complete reply (raw RESP, nested arrays included), or "" on timeout / EOF.
  std::string Read() {
    for (;;) {
      const size_t end = ReplyEnd(pos_);
      if (end != kIncomplete) {
        std::string reply = buf_.substr(pos_, end - pos_);
        pos_ = end;
        return reply;
      }
      if (!Fill()) {
        ADD_FAILURE() << "no complete reply; buffered: " << buf_.substr(pos_);
        return {};
      }
    }
  }

  // True when the server closes the connection (after any pending bytes) within the wait.
  bool WaitClosed() {
    while (Fill()) {
    }
    return eof_;
  }

  // True if a reply byte is already there or arrives within `ms`.
  bool HasData(int ms) {
    if (pos_ < buf_.size()) return true;
    return Poll(ms) && Fill();
  }

  // Bytes received but not returned by Read() yet.
  std::string_view Pending() const { return std::string_view(buf_).substr(pos_); }

 private:
  static constexpr size_t kIncomplete = static_cast<size_t>(-1);

  bool Poll(int ms) {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }

  // Reads what is available within the wait; false on timeout or EOF.
  bool Fill() {
    if (eof_ || !Poll(kWaitMs)) return false;
    char tmp[64 * 1024];
    boost::system::error_code ec;
    const size_t n = socket_.read_some(boost::asio::buffer(tmp), ec);
    if (ec || n == 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, n);
    return true;
  }

  // End offset of the reply starting at `at`, or kIncomplete.
  size_t ReplyEnd(size_t at) const {
    if (at >= buf_.size()) return kIncomplete;
    const size_t eol = buf_.find("\r\n", at);
    if (eol == std::string::npos) return kIncomplete;
    const char type = buf_[at];
    // Simple types of RESP2 and RESP3 (null, boolean, double, big number) end at the line.
    if (type != '$' && type != '=' && type != '*' && type != '~' && type != '>' && type != '%') {
      return eol + 2;
    }
    const long long n = std::stoll(buf_.substr(at + 1, eol - at - 1));
    if (type == '$' || type == '=') {
      if (n < 0) return eol + 2;
      const size_t end = eol + 2 + static_cast<size_t>(n) + 2;
      return end <= buf_.size() ? end : kIncomplete;
    }
    size_t next = eol + 2;  // an aggregate: a map has two elements per entry
    const long long elements = type == '%' ? 2 * n : n;
    for (long long i = 0; i < elements; ++i) {
      next = ReplyEnd(next);
      if (next == kIncomplete) return kIncomplete;
    }
    return next;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
};

// Waits (yielding, bounded) until `pred` holds: for server-side effects that follow a client's
// observation, such as a session unregistering just after it closed its socket.
template <typename Pred>
bool WaitUntil(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace cairn::testing
