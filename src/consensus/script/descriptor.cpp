#include "consensus/script/descriptor.hpp"

#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "consensus/address.hpp"
#include "consensus/script/ecc.hpp"
#include "consensus/script/txout_type.hpp"
#include "util/hex.hpp"

namespace peregrine::consensus {
namespace {

// BIP380: the position of each character in this set feeds the checksum.
constexpr std::string_view kInputCharset =
    "0123456789()[],'/*abcdefgh@:$%{}"
    "IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~"
    "ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
constexpr std::string_view kChecksumCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

std::uint64_t polymod(std::uint64_t chk, int value) {
  const std::uint8_t top = static_cast<std::uint8_t>(chk >> 35);
  chk = ((chk & 0x7ffffffffULL) << 5) ^ static_cast<std::uint64_t>(value);
  if (top & 1) chk ^= 0xf5dee51989ULL;
  if (top & 2) chk ^= 0xa9fdca3312ULL;
  if (top & 4) chk ^= 0x1bab10e32dULL;
  if (top & 8) chk ^= 0x3706b1677aULL;
  if (top & 16) chk ^= 0x644d626ffdULL;
  return chk;
}

// Core's pk() and multi() take any 02/03/04 key without checking the curve (IsValidNonHybrid).
bool is_non_hybrid_key(ByteSpan key) {
  return has_valid_pubkey_size(key) && (key[0] == 2 || key[0] == 3 || key[0] == 4);
}

bool is_valid_xonly_key(ByteSpan key) {
  secp256k1_xonly_pubkey parsed;
  return key.size() == 32 &&
         secp256k1_xonly_pubkey_parse(secp256k1_verify_context(), &parsed, key.data()) == 1;
}

std::string without_checksum(ByteSpan script, const ChainParams& params) {
  const SolvedScript solved = solve(script);
  if (solved.type == TxoutType::pubkey && is_non_hybrid_key(solved.data[0])) {
    return fmt::format("pk({})", util::to_hex(solved.data[0]));
  }
  if (solved.type == TxoutType::multisig) {
    bool all_keys = true;
    std::string desc = fmt::format("multi({}", solved.required_sigs);
    for (ByteSpan key : solved.data) {
      all_keys = all_keys && is_non_hybrid_key(key);
      desc += ',';
      desc += util::to_hex(key);
    }
    if (all_keys) return desc + ')';
  }
  if (solved.type == TxoutType::witness_v1_taproot && is_valid_xonly_key(solved.data[0])) {
    return fmt::format("rawtr({})", util::to_hex(solved.data[0]));
  }
  if (auto address = script_address(script, params)) return fmt::format("addr({})", *address);
  return fmt::format("raw({})", util::to_hex(script));
}

} // namespace

std::optional<std::string> descriptor_checksum(std::string_view descriptor) {
  std::uint64_t chk = 1;
  int groups[3] = {};
  int group_count = 0;
  for (char c : descriptor) {
    const auto pos = kInputCharset.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    chk = polymod(chk, static_cast<int>(pos & 31));
    groups[group_count++] = static_cast<int>(pos >> 5);
    if (group_count == 3) {
      chk = polymod(chk, groups[0] * 9 + groups[1] * 3 + groups[2]);
      group_count = 0;
    }
  }
  if (group_count == 1) chk = polymod(chk, groups[0]);
  if (group_count == 2) chk = polymod(chk, groups[0] * 3 + groups[1]);
  for (int i = 0; i < 8; ++i) chk = polymod(chk, 0);
  chk ^= 1;
  std::string out(8, ' ');
  for (int i = 0; i < 8; ++i) out[i] = kChecksumCharset[(chk >> (5 * (7 - i))) & 31];
  return out;
}

std::string infer_descriptor(ByteSpan script_pubkey, const ChainParams& params) {
  std::string desc = without_checksum(script_pubkey, params);
  // Every character above is in the descriptor set (hex, digits, commas, base58, bech32).
  return desc + '#' + descriptor_checksum(desc).value_or("");
}

} // namespace peregrine::consensus
