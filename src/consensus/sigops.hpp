#pragma once
// Signature-operation counting, the block's other resource limit: legacy counts (every
// CHECKSIG in scriptSigs and scriptPubKeys), P2SH redeem scripts, and witness scripts (BIP141),
// combined into the sigop cost that a block may spend up to 80,000 of.
#include <cstdint>
#include <span>

#include "consensus/script/script_flags.hpp"
#include "util/bytes.hpp"
#include "wire/transaction.hpp"

namespace peregrine::consensus {

inline constexpr std::int64_t kMaxBlockSigopsCost = 80'000;

// CHECKSIGs in every scriptSig and scriptPubKey, CHECKMULTISIG counted as 20.
unsigned legacy_sigop_count(const wire::Transaction& tx);

// The accurate count of each P2SH input's redeem script (0 for a coinbase).
unsigned p2sh_sigop_count(const wire::Transaction& tx, std::span<const wire::TxOut> spent);

// Sigops of one input's witness program (P2WPKH: 1, P2WSH: its script's accurate count), bare or
// P2SH-wrapped; 0 without the WITNESS flag.
unsigned witness_sigop_count(ByteSpan script_sig, ByteSpan script_pubkey,
                             std::span<const Bytes> witness, ScriptFlags flags);

// Legacy and P2SH counts times four plus witness sigops. spent: one output per input (ignored
// for a coinbase).
std::int64_t transaction_sigop_cost(const wire::Transaction& tx, std::span<const wire::TxOut> spent,
                                    ScriptFlags flags);

} // namespace peregrine::consensus
