#include "consensus/script/txout_type.hpp"

#include <array>
#include <optional>

#include "consensus/script/script_num.hpp"
#include "consensus/script/script_pattern.hpp"
#include "consensus/script/script_reader.hpp"

namespace peregrine::consensus {
namespace {

constexpr int kMaxPubkeysPerMultisig = 20;

bool is_p2pkh(ByteSpan s) {
  return s.size() == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == 20 &&
         s[23] == OP_EQUALVERIFY && s[24] == OP_CHECKSIG;
}

bool is_anchor(ByteSpan s) {
  return s.size() == 4 && s[0] == OP_1 && s[1] == 2 && s[2] == 0x4e && s[3] == 0x73;
}

// A count in [min, max] written as OP_1..OP_16 or as a minimal push of a minimal number.
std::optional<int> script_count(const Instruction& ins, int min, int max) {
  int count = 0;
  if (ins.opcode >= OP_1 && ins.opcode <= OP_16) {
    count = ins.opcode - OP_1 + 1;
  } else if (ins.opcode > OP_0 && ins.opcode <= OP_PUSHDATA4) {
    if (!is_minimal_push(ins)) return std::nullopt;
    auto n = decode_script_num(ins.data, /*require_minimal=*/true);
    if (!n) return std::nullopt;
    count = script_num_to_int(*n);
  } else {
    return std::nullopt;
  }
  if (count < min || count > max) return std::nullopt;
  return count;
}

bool match_multisig(ByteSpan s, SolvedScript& out) {
  if (s.empty() || s.back() != OP_CHECKMULTISIG) return false;
  ScriptReader reader(s);
  Instruction ins;
  if (!reader.next(ins)) return false;
  auto required = script_count(ins, 1, kMaxPubkeysPerMultisig);
  if (!required) return false;
  std::vector<ByteSpan> keys;
  bool read = false;
  while ((read = reader.next(ins)) && has_valid_pubkey_size(ins.data)) keys.push_back(ins.data);
  if (!read) return false;
  auto count = script_count(ins, *required, kMaxPubkeysPerMultisig);
  if (!count || keys.size() != static_cast<std::size_t>(*count)) return false;
  if (reader.pos() + 1 != s.size()) return false;
  out.type = TxoutType::multisig;
  out.required_sigs = *required;
  out.data = std::move(keys);
  return true;
}

} // namespace

bool has_valid_pubkey_size(ByteSpan pubkey) {
  if (pubkey.empty()) return false;
  const std::uint8_t h = pubkey[0];
  if (h == 2 || h == 3) return pubkey.size() == 33;
  if (h == 4 || h == 6 || h == 7) return pubkey.size() == 65;
  return false;
}

std::string_view txout_type_name(TxoutType type) {
  static constexpr std::array<std::string_view, 11> kNames = {
      "nonstandard",        "pubkey",                "pubkeyhash",         "scripthash",
      "multisig",           "nulldata",              "witness_v0_keyhash", "witness_v0_scripthash",
      "witness_v1_taproot", "witness_unknown",       "anchor"};
  return kNames[static_cast<std::size_t>(type)];
}

SolvedScript solve(ByteSpan s) {
  SolvedScript out;
  if (is_p2sh(s)) {
    out.type = TxoutType::scripthash;
    out.data = {s.subspan(2, 20)};
    return out;
  }
  if (auto wp = witness_program(s)) {
    out.witness_version = wp->version;
    out.data = {wp->program};
    if (wp->version == 0 && wp->program.size() == 20) {
      out.type = TxoutType::witness_v0_keyhash;
    } else if (wp->version == 0 && wp->program.size() == 32) {
      out.type = TxoutType::witness_v0_scripthash;
    } else if (wp->version == 1 && wp->program.size() == 32) {
      out.type = TxoutType::witness_v1_taproot;
    } else if (is_anchor(s)) {
      out.type = TxoutType::anchor;
    } else if (wp->version != 0) {
      out.type = TxoutType::witness_unknown;
    } else {
      out = {};
    }
    return out;
  }
  if (!s.empty() && s[0] == OP_RETURN && is_push_only(s.subspan(1))) {
    out.type = TxoutType::nulldata;
    return out;
  }
  if ((s.size() == 35 || s.size() == 67) && s[0] + 2u == s.size() && s.back() == OP_CHECKSIG &&
      has_valid_pubkey_size(s.subspan(1, s[0]))) {
    out.type = TxoutType::pubkey;
    out.data = {s.subspan(1, s[0])};
    return out;
  }
  if (is_p2pkh(s)) {
    out.type = TxoutType::pubkeyhash;
    out.data = {s.subspan(3, 20)};
    return out;
  }
  if (match_multisig(s, out)) return out;
  return {};
}

} // namespace peregrine::consensus
