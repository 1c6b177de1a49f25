// replay: look-aside replay of a trace against a Redis-protocol server (redis-server or
// cairn-server) over TCP: for each request GET k:<id>; on a nil reply SET k:<id> <value>. Prints
// the hit ratio the server delivered. The traces are bench/hitratio's (same generators, same
// seeds, or a trace file), so the numbers line up with the simulator's.
//
//   replay --port 6379 --workload zipf:0.8 --keys 100000 --requests 1000000 --fraction 0.05
//   replay --port 6379 --trace some.oracleGeneral --max-requests 2000000
//
// One connection, one request at a time (the look-aside dependency: a SET follows its GET's
// answer). Keys are the dense id's 4 bytes (host order), the very key bytes bench/hitratio's
// simulator gives its entries: the policies hash the same keys on both sides, so a difference is
// the server's own (sharding, clocks), not hash noise (on LIRS multi2, 26k requests, text keys
// "k:<id>" and "key:<id>" moved adaptive by 1.3 points). Values `--value-size` bytes (default
// 32). Output, one line:
//   requests=<n> hits=<n> hit_ratio=<percent> seconds=<s>
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "../hitratio/generators.h"
#include "../hitratio/trace.h"

namespace {

class Connection {
 public:
  Connection(const std::string& host, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
      throw std::runtime_error("bad IPv4 address " + host);
    }
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port));
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~Connection() { ::close(fd_); }

  void Send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, 0);
      if (n <= 0) throw std::runtime_error("send failed");
      off += static_cast<size_t>(n);
    }
  }

  // Reads one reply; returns its first byte ('+', '-', ':', '$', '*') and, for a bulk string,
  // sets `nil` when it is the null bulk ($-1). Error replies throw.
  char ReadReply(bool& nil) {
    std::string line = ReadLine();
    nil = false;
    if (line.empty()) throw std::runtime_error("empty reply");
    if (line[0] == '-') throw std::runtime_error("server error: " + line);
    if (line[0] == '$') {
      long len = std::stol(line.substr(1));
      if (len < 0) {
        nil = true;
      } else {
        Skip(static_cast<size_t>(len) + 2);
      }
    }
    return line[0];
  }

 private:
  void Fill() {
    if (begin_ == end_) begin_ = end_ = 0;
    if (end_ == sizeof(buf_)) {
      std::memmove(buf_, buf_ + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    ssize_t n = ::recv(fd_, buf_ + end_, sizeof(buf_) - end_, 0);
    if (n <= 0) throw std::runtime_error("connection closed");
    end_ += static_cast<size_t>(n);
  }
  std::string ReadLine() {
    for (;;) {
      for (size_t i = begin_; i + 1 < end_; ++i) {
        if (buf_[i] == '\r' && buf_[i + 1] == '\n') {
          std::string line(buf_ + begin_, i - begin_);
          begin_ = i + 2;
          return line;
        }
      }
      Fill();
    }
  }
  void Skip(size_t n) {
    while (n > 0) {
      if (begin_ == end_) Fill();
      size_t take = std::min(n, end_ - begin_);
      begin_ += take;
      n -= take;
    }
  }

  int fd_ = -1;
  char buf_[1 << 16];
  size_t begin_ = 0, end_ = 0;
};

std::string Command(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn::hitratio;
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string workload = "zipf:0.8";
  std::string trace_file;
  uint64_t max_requests = 0;
  uint32_t keys = 100'000;
  size_t requests = 1'000'000;
  uint64_t seed = 1;
  double fraction = 0.05;
  size_t value_size = 32;
  bool unique_only = false;
  CLI::App app{"Look-aside replay of a trace against a Redis-protocol server"};
  app.add_option("--host", host, "server IPv4 address");
  app.add_option("--port", port, "server port");
  app.add_option("-w,--workload", workload, "synthetic workload kind:alpha (as in hitratio)");
  app.add_option("-t,--trace", trace_file, "trace file (text or oracleGeneral) instead");
  app.add_option("--max-requests", max_requests, "trace file: read at most this many requests");
  app.add_option("-k,--keys", keys, "synthetic: key count");
  app.add_option("-n,--requests", requests, "synthetic: requests");
  app.add_option("--seed", seed, "synthetic: seed");
  app.add_option("-f,--fraction", fraction, "cache size as a fraction of keys (sizes the loop)");
  app.add_option("--value-size", value_size, "bytes per value");
  app.add_flag("--unique", unique_only, "only print the trace's distinct key count");
  CLI11_PARSE(app, argc, argv);
  try {
    Trace t;
    if (!trace_file.empty()) {
      t = trace_file.find("oracleGeneral") != std::string::npos
              ? LoadOracleGeneralTrace(trace_file, max_requests)
              : LoadTextTrace(trace_file);
    } else {
      t = GenerateWorkload(workload, keys, requests, seed, fraction);
    }
    if (unique_only) {
      std::printf("%u\n", t.universe);
      return 0;
    }
    Connection c(host, port);
    const std::string value(value_size, 'v');
    uint64_t hits = 0;
    bool nil = false;
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < t.size(); ++i) {
      const uint32_t id = t.ids[i];
      std::string key(sizeof(id), '\0');
      std::memcpy(key.data(), &id, sizeof(id));
      c.Send(Command({"GET", key}));
      c.ReadReply(nil);
      if (!nil) {
        ++hits;
        continue;
      }
      c.Send(Command({"SET", key, value}));
      c.ReadReply(nil);
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("requests=%zu hits=%llu hit_ratio=%.2f seconds=%.1f unique=%u\n", t.size(),
                static_cast<unsigned long long>(hits), 100.0 * static_cast<double>(hits) / t.size(),
                s, t.universe);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "replay: %s\n", ex.what());
    return 1;
  }
  return 0;
}
