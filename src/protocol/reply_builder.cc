// RESP2 reply encoding. Every method appends to the caller's buffer; numbers are formatted on the
// stack with std::to_chars, so a reply costs no allocation beyond the buffer's own growth.
#include "cairn/protocol/reply_builder.h"

#include <charconv>

#include "cairn/common/strings.h"

namespace cairn {
namespace {

// Room for a type byte, the digits of any 64-bit integer with its sign, and "\r\n".
constexpr size_t kHeaderMax = 1 + 20 + 2;

template <typename Int>
void AppendPrefixed(std::string& out, char prefix, Int v) {
  char buf[kHeaderMax];
  buf[0] = prefix;
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, v).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(buf, static_cast<size_t>(end - buf));
}

}  // namespace

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Error(std::string_view msg) {
  out_->push_back('-');
  const size_t start = out_->size();
  out_->append(msg);
  // A newline inside an error would break the protocol stream (Redis's addReplyErrorFormat).
  for (size_t i = start; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyBuilder::Integer(int64_t v) { AppendPrefixed(*out_, ':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  AppendPrefixed(*out_, '$', s.size());
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::ArrayHeader(size_t n) { AppendPrefixed(*out_, '*', n); }

void ReplyBuilder::BulkDouble(long double v) { Bulk(FormatLongDouble(v)); }

char* ReplyBuilder::BulkSpace(size_t len) {
  AppendPrefixed(*out_, '$', len);
  const size_t data = out_->size();
  out_->resize(data + len + 2);
  char* p = out_->data() + data;
  p[len] = '\r';
  p[len + 1] = '\n';
  return p;
}

}  // namespace cairn
