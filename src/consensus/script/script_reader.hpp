#pragma once
// Walks a script one instruction at a time. Where a truncated push stops the walk matters to
// consensus (the legacy sighash serializes the script code up to that point), so pos() after a
// failed next() is exactly where Bitcoin Core's GetOp leaves its iterator: past the opcode and
// any length bytes it could read.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "consensus/script/opcodes.hpp"
#include "util/bytes.hpp"

namespace peregrine::consensus {

struct Instruction {
  std::uint8_t opcode = OP_INVALIDOPCODE;
  ByteSpan data; // the pushed bytes, for opcodes up to OP_PUSHDATA4
};

class ScriptReader {
public:
  explicit ScriptReader(ByteSpan script, std::size_t pos = 0) : script_(script), pos_(pos) {}

  bool done() const { return pos_ >= script_.size(); }
  std::size_t pos() const { return pos_; }

  // The next instruction; false at the end or on a push running past the end.
  bool next(Instruction& out) {
    out.opcode = OP_INVALIDOPCODE;
    out.data = {};
    const std::size_t end = script_.size();
    if (pos_ >= end) return false;
    std::uint8_t opcode = script_[pos_++];
    if (opcode <= OP_PUSHDATA4) {
      std::size_t size = opcode;
      if (opcode == OP_PUSHDATA1) {
        if (end - pos_ < 1) return false;
        size = script_[pos_];
        pos_ += 1;
      } else if (opcode == OP_PUSHDATA2) {
        if (end - pos_ < 2) return false;
        size = std::size_t{script_[pos_]} | std::size_t{script_[pos_ + 1]} << 8;
        pos_ += 2;
      } else if (opcode == OP_PUSHDATA4) {
        if (end - pos_ < 4) return false;
        size = std::size_t{script_[pos_]} | std::size_t{script_[pos_ + 1]} << 8 |
               std::size_t{script_[pos_ + 2]} << 16 | std::size_t{script_[pos_ + 3]} << 24;
        pos_ += 4;
      }
      if (end - pos_ < size) return false;
      out.data = script_.subspan(pos_, size);
      pos_ += size;
    }
    out.opcode = opcode;
    return true;
  }

private:
  ByteSpan script_;
  std::size_t pos_;
};

} // namespace peregrine::consensus
