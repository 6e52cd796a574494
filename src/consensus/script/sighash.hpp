#pragma once
// Signature hashes: what a signature commits to. Legacy (the original scheme, with its
// SIGHASH_SINGLE quirk and OP_CODESEPARATOR removal), BIP143 (segwit v0) and BIP341 (taproot).
#include <cstdint>
#include <optional>
#include <span>

#include "consensus/script/execution_data.hpp"
#include "crypto/sha256.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/transaction.hpp"

namespace peregrine::consensus {

inline constexpr std::uint8_t kSighashAll = 1;
inline constexpr std::uint8_t kSighashNone = 2;
inline constexpr std::uint8_t kSighashSingle = 3;
inline constexpr std::uint8_t kSighashAnyoneCanPay = 0x80;
inline constexpr std::uint8_t kSighashDefault = 0; // taproot only: ALL, without a hash-type byte

// Legacy sighash. script_code is the executed script from the last OP_CODESEPARATOR, with
// signatures already removed (FindAndDelete); its OP_CODESEPARATORs are dropped here. Returns
// the number one (not a hash) for SIGHASH_SINGLE without a matching output, or an input index
// out of range, exactly as Bitcoin has always signed it.
Hash256 legacy_sighash(const wire::Transaction& tx, std::size_t input, ByteSpan script_code,
                       std::int32_t hash_type);

// Per-transaction midstates: single SHA-256 of all prevouts, sequences and outputs (BIP341 uses
// them as they are, BIP143 hashes them once more), plus, for taproot, all spent amounts and
// scriptPubKeys.
struct TxDigests {
  crypto::Sha256Digest prevouts{};
  crypto::Sha256Digest sequences{};
  crypto::Sha256Digest outputs{};
  bool has_spent = false; // amounts and script_pubkeys below are set
  crypto::Sha256Digest amounts{};
  crypto::Sha256Digest script_pubkeys{};
};
// spent may be empty when no taproot input needs it.
TxDigests compute_tx_digests(const wire::Transaction& tx, std::span<const wire::TxOut> spent);

// BIP143's three double hashes.
struct Bip143Hashes {
  Hash256 prevouts;
  Hash256 sequences;
  Hash256 outputs;
};
Bip143Hashes bip143_hashes(const TxDigests& digests);

// BIP143 sighash for segwit v0 (the script code is used as given: no removals).
Hash256 segwit_v0_sighash(const wire::Transaction& tx, std::size_t input, ByteSpan script_code,
                          std::int64_t amount, std::int32_t hash_type, const Bip143Hashes& hashes);

// BIP341 sighash (key path with SigVersion::taproot, tapscript with SigVersion::tapscript, which
// also commits to execdata's leaf hash and code separator position). nullopt for an undefined
// hash type or SIGHASH_SINGLE without a matching output. digests must have has_spent set and
// spent one entry per input.
std::optional<crypto::Sha256Digest> taproot_sighash(const wire::Transaction& tx, std::size_t input,
                                                    std::span<const wire::TxOut> spent,
                                                    std::uint8_t hash_type, SigVersion sigversion,
                                                    const ExecutionData& execdata,
                                                    const TxDigests& digests);

} // namespace peregrine::consensus
