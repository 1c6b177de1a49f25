// A cursor over a command's optional arguments, for Redis-style option parsing:
//
//   ArgCursor cur(args, 3);
//   while (!cur.Done()) {
//     if (cur.EatFlag("NX")) ... else if (cur.EatFlag("EX") && ...) value = cur.Next(); ...
//   }
//
// Flags match case-insensitively. Private to the command module.
#pragma once

#include <cstddef>
#include <string_view>

#include "cairn/command/context.h"
#include "cairn/common/strings.h"

namespace cairn {

class ArgCursor {
 public:
  ArgCursor(Args args, size_t pos) : args_(args), pos_(pos) {}

  bool Done() const { return pos_ >= args_.size(); }
  // Arguments not consumed yet, the current one included.
  size_t Remaining() const { return Done() ? 0 : args_.size() - pos_; }
  std::string_view Peek() const { return args_[pos_]; }
  // Returns the current argument and advances. Precondition: !Done().
  std::string_view Next() { return args_[pos_++]; }
  // Consumes the current argument if it equals `flag` (case-insensitive).
  bool EatFlag(std::string_view flag) {
    if (Done() || !EqualsIgnoreCase(args_[pos_], flag)) return false;
    ++pos_;
    return true;
  }
  // Consumes `flag` only when a value follows it (a trailing "EX" is a syntax error in Redis).
  bool EatFlagWithValue(std::string_view flag) { return Remaining() >= 2 && EatFlag(flag); }
  size_t pos() const { return pos_; }

 private:
  Args args_;
  size_t pos_;
};

}  // namespace cairn
