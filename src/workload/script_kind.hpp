#pragma once
// The kinds of output the generator creates and later spends, and what each costs a block: the
// size of its scriptPubKey, the most weight a spend of it can add, and the sigop cost of both.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace peregrine::workload {

enum class ScriptKind : std::uint8_t {
  // 23 bytes: a push of 20 per-coin bytes, OP_DROP, OP_TRUE. Spent with an empty scriptSig and no
  // witness: no signature anywhere, for the assumevalid regime.
  trivial,
  p2wpkh,         // BIP141 v0 key hash; witness: ECDSA signature, key
  p2tr,           // BIP341 key path, key tweaked with no script tree; witness: one Schnorr signature
  p2pkh,          // scriptSig: ECDSA signature, key
  p2sh_p2wpkh,    // P2WPKH nested in P2SH (BIP141): scriptSig pushes the program
  p2wsh_multisig, // 2-of-3 CHECKMULTISIG in P2WSH: two ECDSA signatures per spend
};

inline constexpr std::array kAllScriptKinds = {ScriptKind::trivial, ScriptKind::p2wpkh, ScriptKind::p2tr,
                                               ScriptKind::p2pkh, ScriptKind::p2sh_p2wpkh,
                                               ScriptKind::p2wsh_multisig};

// Names as on the command line: trivial, p2wpkh, p2tr, p2pkh, p2sh-p2wpkh, p2wsh-multisig.
std::string_view to_string(ScriptKind kind);
std::optional<ScriptKind> parse_script_kind(std::string_view name);

std::size_t script_pubkey_size(ScriptKind kind);
// Signatures a spend makes (0 for trivial, 2 for the multisig).
unsigned signatures_per_spend(ScriptKind kind);
bool spend_has_witness(ScriptKind kind);

// Weight one input spending this kind adds at most (signatures at their longest DER encoding).
std::size_t max_input_weight(ScriptKind kind);
// Weight of one output of this kind.
std::size_t output_weight(ScriptKind kind);

// BIP141 sigop cost: a P2PKH scriptPubKey's CHECKSIG counts 4 wherever it appears in an output;
// spends count their witness sigops (P2WPKH and P2SH-P2WPKH 1, the 2-of-3 multisig 3).
std::int64_t output_sigop_cost(ScriptKind kind);
std::int64_t input_sigop_cost(ScriptKind kind);

} // namespace peregrine::workload
