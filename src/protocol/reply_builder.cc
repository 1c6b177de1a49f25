// RESP2 / RESP3 reply encoding (see the table in reply_builder.h). Every method appends to the
// caller's buffer; numbers are formatted on the stack, so a reply costs no allocation beyond the
// buffer's own growth.
#include "cairn/protocol/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "cairn/common/strings.h"

namespace cairn {
namespace {

// Room for a type byte, the digits of any 64-bit integer with its sign, and "\r\n".
constexpr size_t kHeaderMax = 1 + 20 + 2;

// Always inlined: GET's BulkSpace and Bulk must not pay a call for it now that the RESP3 headers
// use it too (GCC stopped inlining it there, +13 instructions per GET under callgrind).
template <typename Int>
[[gnu::always_inline]] inline void AppendPrefixed(std::string& out, char prefix, Int v) {
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
  ++errors_;
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

void ReplyBuilder::Header(char resp2, char resp3, size_t n) {
  AppendPrefixed(*out_, resp3_ ? resp3 : resp2, n);
}

void ReplyBuilder::MapHeader(size_t pairs) {
  if (resp3_) {
    AppendPrefixed(*out_, '%', pairs);
  } else {
    AppendPrefixed(*out_, '*', pairs * 2);
  }
}

void ReplyBuilder::SetHeader(size_t n) { Header('*', '~', n); }

void ReplyBuilder::PushHeader(size_t n) { Header('*', '>', n); }

void ReplyBuilder::EndDeferred(size_t mark, Aggregate kind, size_t n) {
  InsertAt(mark, [&](ReplyBuilder& h) {
    switch (kind) {
      case Aggregate::kArray:
        h.ArrayHeader(n);
        break;
      case Aggregate::kMap:
        h.MapHeader(n);
        break;
      case Aggregate::kSet:
        h.SetHeader(n);
        break;
      case Aggregate::kPush:
        h.PushHeader(n);
        break;
    }
  });
}

void ReplyBuilder::InsertAt(size_t mark, FunctionRef<void(ReplyBuilder&)> write) {
  std::string head;
  ReplyBuilder h(head, resp());
  write(h);
  errors_ += h.errors_;
  out_->insert(mark, head);
}

void ReplyBuilder::Double(double v) {
  // Redis 7.0 addReplyDouble: "%.17g", with infinities spelled out explicitly.
  char buf[64];
  int len;
  if (std::isinf(v)) {
    len = std::snprintf(buf, sizeof(buf), "%s", v > 0 ? "inf" : "-inf");
  } else {
    len = std::snprintf(buf, sizeof(buf), "%.17g", v);
  }
  const std::string_view text(buf, static_cast<size_t>(len));
  if (!resp3_) {
    Bulk(text);
    return;
  }
  out_->push_back(',');
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Boolean(bool v) {
  if (resp3_) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (!resp3_) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view format) {
  if (!resp3_) {
    Bulk(text);
    return;
  }
  AppendPrefixed(*out_, '=', text.size() + 4);
  out_->append(format.substr(0, 3));
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n", 2);
}

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
