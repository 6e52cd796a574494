#include "consensus/script/script_pattern.hpp"

#include <algorithm>

namespace peregrine::consensus {

bool is_p2sh(ByteSpan script) {
  return script.size() == 23 && script[0] == OP_HASH160 && script[1] == 0x14 &&
         script[22] == OP_EQUAL;
}

std::optional<WitnessProgram> witness_program(ByteSpan script) {
  if (script.size() < 4 || script.size() > 42) return std::nullopt;
  std::uint8_t v = script[0];
  if (v != OP_0 && (v < OP_1 || v > OP_16)) return std::nullopt;
  if (std::size_t{script[1]} + 2 != script.size()) return std::nullopt;
  return WitnessProgram{*small_int_value(v), script.subspan(2)};
}

bool is_push_only(ByteSpan script) {
  ScriptReader reader(script);
  Instruction ins;
  while (!reader.done()) {
    if (!reader.next(ins)) return false;
    if (ins.opcode > OP_16) return false;
  }
  return true;
}

bool is_minimal_push(const Instruction& push) {
  const std::size_t size = push.data.size();
  const std::uint8_t op = push.opcode;
  if (size == 0) return op == OP_0;
  if (size == 1 && push.data[0] >= 1 && push.data[0] <= 16) return false; // OP_1..OP_16 instead
  if (size == 1 && push.data[0] == 0x81) return false;                    // OP_1NEGATE instead
  if (size <= 75) return op == size;
  if (size <= 255) return op == OP_PUSHDATA1;
  if (size <= 65535) return op == OP_PUSHDATA2;
  return true;
}

std::size_t encode_push_prefix(std::size_t size, std::uint8_t (&out)[5]) {
  if (size < OP_PUSHDATA1) {
    out[0] = static_cast<std::uint8_t>(size);
    return 1;
  }
  if (size <= 0xff) {
    out[0] = OP_PUSHDATA1;
    out[1] = static_cast<std::uint8_t>(size);
    return 2;
  }
  if (size <= 0xffff) {
    out[0] = OP_PUSHDATA2;
    out[1] = static_cast<std::uint8_t>(size);
    out[2] = static_cast<std::uint8_t>(size >> 8);
    return 3;
  }
  out[0] = OP_PUSHDATA4;
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<std::uint8_t>(size >> (8 * i));
  return 5;
}

std::size_t encode_push(ByteSpan data, Bytes& out) {
  std::uint8_t prefix[5];
  const std::size_t n = encode_push_prefix(data.size(), prefix);
  out.insert(out.end(), prefix, prefix + n);
  out.insert(out.end(), data.begin(), data.end());
  return n + data.size();
}

namespace {

bool matches_at(ByteSpan script, std::size_t pos, ByteSpan pattern) {
  return script.size() - pos >= pattern.size() &&
         std::equal(pattern.begin(), pattern.end(), script.begin() + pos);
}

} // namespace

bool contains_at_boundary(ByteSpan script, ByteSpan pattern) {
  if (pattern.empty()) return false;
  ScriptReader reader(script);
  Instruction ins;
  do {
    if (matches_at(script, reader.pos(), pattern)) return true;
  } while (reader.next(ins));
  return false;
}

std::size_t find_and_delete(Bytes& script, ByteSpan pattern) {
  if (pattern.empty() || !contains_at_boundary(script, pattern)) return 0;
  Bytes result;
  result.reserve(script.size());
  std::size_t found = 0;
  std::size_t kept_from = 0; // start of the bytes not yet copied to result
  std::size_t pos = 0;
  Instruction ins;
  for (;;) {
    result.insert(result.end(), script.begin() + kept_from, script.begin() + pos);
    while (matches_at(script, pos, pattern)) {
      pos += pattern.size();
      ++found;
    }
    kept_from = pos;
    ScriptReader reader(script, pos);
    if (!reader.next(ins)) break;
    pos = reader.pos();
  }
  result.insert(result.end(), script.begin() + kept_from, script.end());
  script = std::move(result);
  return found;
}

unsigned count_sigops(ByteSpan script, bool accurate) {
  unsigned n = 0;
  std::uint8_t last = OP_INVALIDOPCODE;
  ScriptReader reader(script);
  Instruction ins;
  while (!reader.done()) {
    if (!reader.next(ins)) break;
    if (ins.opcode == OP_CHECKSIG || ins.opcode == OP_CHECKSIGVERIFY) {
      n += 1;
    } else if (ins.opcode == OP_CHECKMULTISIG || ins.opcode == OP_CHECKMULTISIGVERIFY) {
      if (accurate && last >= OP_1 && last <= OP_16) {
        n += last - OP_1 + 1;
      } else {
        n += 20;
      }
    }
    last = ins.opcode;
  }
  return n;
}

} // namespace peregrine::consensus
