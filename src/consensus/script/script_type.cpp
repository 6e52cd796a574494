#include "consensus/script/script_type.hpp"

#include <array>

#include "consensus/script/script_pattern.hpp"

namespace peregrine::consensus {
namespace {

bool is_pubkey_size(std::size_t n) { return n == 33 || n == 65; }

bool is_multisig(ByteSpan s) {
  if (s.size() < 3 || s.back() != OP_CHECKMULTISIG) return false;
  auto m = small_int_value(s[0]);
  auto n = small_int_value(s[s.size() - 2]);
  if (!m || !n || *m < 1 || *n < *m) return false;
  ScriptReader reader(s.first(s.size() - 2), 1);
  Instruction ins;
  int keys = 0;
  while (!reader.done()) {
    if (!reader.next(ins) || !is_pubkey_size(ins.data.size()) || ins.opcode > OP_PUSHDATA4)
      return false;
    ++keys;
  }
  return keys == *n;
}

} // namespace

std::string_view to_string(ScriptType type) {
  static constexpr std::array<std::string_view, kScriptTypeCount> kNames = {
      "nonstandard", "p2pk",   "p2pkh", "p2sh", "multisig",
      "nulldata",    "p2wpkh", "p2wsh", "p2tr", "witness_unknown"};
  return kNames[static_cast<std::size_t>(type)];
}

ScriptType classify_script(ByteSpan s) {
  if (s.size() == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == 20 &&
      s[23] == OP_EQUALVERIFY && s[24] == OP_CHECKSIG)
    return ScriptType::p2pkh;
  if (is_p2sh(s)) return ScriptType::p2sh;
  if (auto wp = witness_program(s)) {
    if (wp->version == 0 && wp->program.size() == 20) return ScriptType::p2wpkh;
    if (wp->version == 0 && wp->program.size() == 32) return ScriptType::p2wsh;
    if (wp->version == 1 && wp->program.size() == 32) return ScriptType::p2tr;
    return ScriptType::witness_unknown;
  }
  if ((s.size() == 35 || s.size() == 67) && s[0] + 2u == s.size() && s.back() == OP_CHECKSIG)
    return ScriptType::p2pk;
  if (!s.empty() && s[0] == OP_RETURN && is_push_only(s.subspan(1))) return ScriptType::nulldata;
  if (is_multisig(s)) return ScriptType::multisig;
  return ScriptType::nonstandard;
}

} // namespace peregrine::consensus
