#include "consensus/script/rpc_asm.hpp"

#include <string_view>

#include <fmt/format.h>

#include "consensus/script/opcodes.hpp"
#include "consensus/script/script_num.hpp"
#include "consensus/script/script_reader.hpp"
#include "consensus/script/signature_encoding.hpp"
#include "util/hex.hpp"

namespace peregrine::consensus {
namespace {

// Core's mapSigHashTypes: the six defined hash types.
std::string_view sighash_name(std::uint8_t hashtype) {
  switch (hashtype) {
  case 0x01: return "ALL";
  case 0x81: return "ALL|ANYONECANPAY";
  case 0x02: return "NONE";
  case 0x82: return "NONE|ANYONECANPAY";
  case 0x03: return "SINGLE";
  case 0x83: return "SINGLE|ANYONECANPAY";
  default: return {};
  }
}

std::string_view asm_opcode_name(std::uint8_t opcode) {
  static constexpr std::string_view kSmall[] = {"1",  "2",  "3",  "4",  "5",  "6",
                                                "7",  "8",  "9",  "10", "11", "12",
                                                "13", "14", "15", "16"};
  if (opcode == OP_1NEGATE) return "-1";
  if (opcode >= OP_1 && opcode <= OP_16) return kSmall[opcode - OP_1];
  return opcode_name(opcode);
}

void append_push(std::string& out, ByteSpan data, bool decode_sighash) {
  if (data.size() <= 4) {
    // Never fails: at most 4 bytes and not required to be minimal.
    out += fmt::to_string(script_num_to_int(decode_script_num(data, false).value_or(0)));
    return;
  }
  if (decode_sighash && is_strict_der_signature(data) && is_defined_hashtype_signature(data)) {
    std::string_view name = sighash_name(data.back());
    if (!name.empty()) {
      out += util::to_hex(data.first(data.size() - 1));
      out += '[';
      out += name;
      out += ']';
      return;
    }
  }
  out += util::to_hex(data);
}

} // namespace

std::string script_to_asm(ByteSpan script, bool decode_sighash) {
  // Core's IsUnspendable also counts scripts over 10,000 bytes, which no signature decode needs
  // to care about: the rule only keeps OP_RETURN data from being read as signatures.
  const bool unspendable = (!script.empty() && script[0] == OP_RETURN) || script.size() > 10000;
  decode_sighash = decode_sighash && !unspendable;
  std::string out;
  ScriptReader reader(script);
  Instruction ins;
  while (!reader.done()) {
    if (!out.empty()) out += ' ';
    if (!reader.next(ins)) {
      out += "[error]";
      break;
    }
    if (ins.opcode <= OP_PUSHDATA4) {
      append_push(out, ins.data, decode_sighash);
    } else {
      out += asm_opcode_name(ins.opcode);
    }
  }
  return out;
}

} // namespace peregrine::consensus
