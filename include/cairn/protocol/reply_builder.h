// The one writer of reply bytes. A ReplyBuilder appends RESP replies to an output buffer in the
// protocol of the connection it serves (RESP2 or RESP3, switched by HELLO and RESET): commands,
// pub/sub, MONITOR and the server's refusals say what they reply (a map, a set, a null, a
// double...) and the builder chooses the bytes, exactly as Redis 7.0's addReply* functions do for
// the same protocol. The session sends the buffer in one write per batch of pipelined commands.
//
// RESP2 / RESP3 mapping (Redis 7.0 networking.c):
//   Null / NullArray   $-1 / *-1          _
//   MapHeader(n)       *2n                %n
//   SetHeader(n)       *n                 ~n
//   PushHeader(n)      *n                 >n
//   Double(v)          $ bulk "%.17g"     ,v          (inf / -inf / nan spelled as Redis)
//   Boolean(b)         :1 / :0            #t / #f
//   BigNumber(digits)  $ bulk             (digits
//   Verbatim(text)     $ bulk             =len\r\ntxt:text
// Everything else (simple strings, errors, integers, bulks, arrays) is the same in both.
//
// The protocol check is one predictable branch on a byte member, and only in the calls whose
// bytes differ: Bulk / Integer / SimpleString (the GET / SET path) have none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/common/function_ref.h"

namespace cairn {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string& out, int resp = 2) : out_(&out), resp3_(resp == 3) {}

  // --- the connection's protocol (HELLO / RESET set it) ---
  int resp() const { return resp3_ ? 3 : 2; }
  bool resp3() const { return resp3_; }
  void set_resp(int resp) { resp3_ = resp == 3; }

  // --- scalars ---
  void SimpleString(std::string_view s);  // +s\r\n
  void Ok() { out_->append("+OK\r\n", 5); }
  // `msg` is the full error text starting with its code, e.g. "ERR syntax error" or
  // "WRONGTYPE Operation ..."; written as -msg\r\n. Newlines in msg are replaced by spaces.
  // Every error written is counted (errors()).
  void Error(std::string_view msg);
  void Integer(int64_t v);        // :v\r\n
  void Bulk(std::string_view s);  // $len\r\n s \r\n
  // A missing value (GET of a missing key): $-1 in RESP2, _ in RESP3.
  void Null() {
    if (resp3_) {
      out_->append("_\r\n", 3);
    } else {
      out_->append("$-1\r\n", 5);
    }
  }
  // A missing aggregate: *-1 in RESP2, _ in RESP3.
  void NullArray() {
    if (resp3_) {
      out_->append("_\r\n", 3);
    } else {
      out_->append("*-1\r\n", 5);
    }
  }
  // Bulk string of a double/long double formatted the Redis way (INCRBYFLOAT: a bulk in both
  // protocols, as in Redis 7.0).
  void BulkDouble(long double v);
  // Reserves room for a bulk of `len` bytes and returns where to write them (for copying a value
  // straight from the cache under the shard lock without an intermediate string).
  char* BulkSpace(size_t len);
  // A double (Redis addReplyDouble): RESP3 ,<%.17g>; RESP2 the same text as a bulk.
  void Double(double v);
  // A boolean: RESP3 #t / #f; RESP2 :1 / :0.
  void Boolean(bool v);
  // An integer written in decimal digits of any length: RESP3 (digits; RESP2 a bulk.
  void BigNumber(std::string_view digits);
  // Text meant for people (INFO, CLIENT LIST): RESP3 =len\r\n<format>:text; RESP2 a bulk.
  // `format` is three characters ("txt" or "mkd").
  void Verbatim(std::string_view text, std::string_view format = "txt");

  // --- aggregates: a header, then its elements ---
  void ArrayHeader(size_t n);  // *n
  void MapHeader(size_t pairs);
  void SetHeader(size_t n);
  void PushHeader(size_t n);
  // Called after the last element of a push frame: the bytes written so far in this reply are
  // pushes, which DropRepliesAfter keeps (a command writes its pushes before anything else).
  void EndPush() { pushes_end_ = out_->size(); }

  // --- an aggregate whose length is known only at the end (SCAN, COMMAND LIST) ---
  // BeginDeferred() marks where its header goes; write the elements; then EndDeferred(mark,
  // kind, n) inserts the header (one move of the elements' bytes, once per reply).
  enum class Aggregate : uint8_t { kArray, kMap, kSet, kPush };
  size_t BeginDeferred() const { return out_->size(); }
  void EndDeferred(size_t mark, Aggregate kind, size_t n);
  // The general form: inserts at `mark` (an earlier size()) what `write` writes to the builder
  // it is given (same protocol), e.g. SCAN's cursor and key-array header once the scan is done.
  void InsertAt(size_t mark, FunctionRef<void(ReplyBuilder&)> write);

  // --- bookkeeping ---
  // Errors written so far (the dispatcher counts a command as failed when it wrote one).
  uint64_t errors() const { return errors_; }
  size_t size() const { return out_->size(); }
  // Where the next command's reply starts (forgets the pushes of the previous one).
  size_t BeginReply() {
    pushes_end_ = 0;
    return out_->size();
  }
  // CLIENT REPLY OFF / SKIP: drops what the command wrote after `mark` (its BeginReply()),
  // except its pushes (subscribe confirmations), which are never dropped, as in Redis.
  void DropRepliesAfter(size_t mark) { out_->resize(pushes_end_ > mark ? pushes_end_ : mark); }
  // Drops everything written after `mark`.
  void Truncate(size_t mark) { out_->resize(mark); }
  // The bytes written (for the session, which sends them). Commands write through the calls
  // above only.
  std::string& buffer() { return *out_; }

 private:
  void Header(char resp2, char resp3, size_t n);

  std::string* out_;
  uint64_t errors_ = 0;
  size_t pushes_end_ = 0;  // see EndPush
  bool resp3_;
};

}  // namespace cairn
