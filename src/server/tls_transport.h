// The next layer under a TLS connection's ssl::stream: the session's TCP socket, with a
// synchronous write that never fails for want of room.
//
// Why: a plain session writes its replies with one non-blocking write_some (Session::WriteNow),
// without a coroutine frame or a trip through the reactor. Asio's synchronous SSL write cannot do
// that over a non-blocking socket: when the kernel takes only part of a record, the rest is lost
// with the error. Here write_some hands the kernel what it takes now and keeps the rest, in
// order, in backlog(); it always reports everything written. The session drains the backlog
// with asynchronous writes before it starts any other operation on the stream (a read, whose
// TLS layer may write too), so the bytes on the wire stay in order. The backlog holds at most one
// batch of replies (Session's kFlushBytes, plus one reply), encrypted.
//
// Asynchronous operations (the handshake, reads, the backlog's drain) go to the socket as they
// are. Threads: the session's, like the socket.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace cairn {

class TlsTransport {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = boost::asio::ip::tcp::socket::lowest_layer_type;

  explicit TlsTransport(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}

  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
  const lowest_layer_type& lowest_layer() const { return socket_.lowest_layer(); }

  // Encrypted bytes the kernel has not taken yet (see the header).
  std::string& backlog() { return backlog_; }

  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    return socket_.read_some(buffers, ec);
  }

  template <typename ConstBuffers>
  size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    ec.clear();
    const size_t total = boost::asio::buffer_size(buffers);
    size_t taken = 0;
    if (backlog_.empty()) {
      taken = socket_.write_some(buffers, ec);  // the socket is non-blocking: never waits
      if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
        ec.clear();
        taken = 0;
      } else if (ec) {
        return taken;
      }
    }
    size_t skip = taken;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer b(*it);
      if (skip >= b.size()) {
        skip -= b.size();
        continue;
      }
      backlog_.append(static_cast<const char*>(b.data()) + skip, b.size() - skip);
      skip = 0;
    }
    return total;
  }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return socket_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  boost::asio::ip::tcp::socket& socket_;
  std::string backlog_;
};

}  // namespace cairn
