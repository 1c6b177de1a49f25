// Appends RESP2 replies to an output buffer. The command layer writes replies only through this;
// the session sends the buffer in one write per batch of pipelined commands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string& out) : out_(&out) {}

  void SimpleString(std::string_view s);  // +s\r\n
  void Ok() { out_->append("+OK\r\n"); }
  // `msg` is the full error text starting with its code, e.g. "ERR syntax error" or
  // "WRONGTYPE Operation ..."; written as -msg\r\n. Newlines in msg are replaced by spaces.
  void Error(std::string_view msg);
  void Integer(int64_t v);        // :v\r\n
  void Bulk(std::string_view s);  // $len\r\n s \r\n
  void Null() { out_->append("$-1\r\n"); }
  void NullArray() { out_->append("*-1\r\n"); }
  void ArrayHeader(size_t n);  // *n\r\n
  // Bulk string of a double/long double formatted the Redis way.
  void BulkDouble(long double v);
  // Reserves room for a bulk of `len` bytes and returns where to write them (for copying a value
  // straight from the cache under the shard lock without an intermediate string).
  char* BulkSpace(size_t len);

  std::string& buffer() { return *out_; }
  size_t size() const { return out_->size(); }
  // Drops everything written after `mark` (CLIENT REPLY OFF/SKIP).
  void Truncate(size_t mark) { out_->resize(mark); }

 private:
  std::string* out_;
};

}  // namespace cairn
