#include "consensus/script/signature_checker.hpp"

#include "consensus/script/ecc.hpp"
#include "consensus/script/signature_encoding.hpp"

namespace peregrine::consensus {

namespace {

inline constexpr std::uint32_t kSequenceFinal = 0xffffffff;
inline constexpr std::uint32_t kSequenceDisableFlag = 1u << 31;
inline constexpr std::uint32_t kSequenceTypeFlag = 1u << 22;
inline constexpr std::uint32_t kSequenceMask = 0x0000ffff;
inline constexpr std::int64_t kLockTimeThreshold = 500'000'000; // below: height, above: time

// The size a public key's first byte announces (Core's CPubKey): 0 for an unknown prefix.
std::size_t announced_pubkey_size(std::uint8_t prefix) {
  if (prefix == 2 || prefix == 3) return 33;
  if (prefix == 4 || prefix == 6 || prefix == 7) return 65;
  return 0;
}

} // namespace

bool SignatureChecker::check_ecdsa(ByteSpan, ByteSpan, ByteSpan, SigVersion) const { return false; }

std::expected<void, ScriptError> SignatureChecker::check_schnorr(ByteSpan, ByteSpan, SigVersion,
                                                                 const ExecutionData&) const {
  return std::unexpected(ScriptError::schnorr_sig);
}

bool SignatureChecker::check_lock_time(std::int64_t) const { return false; }
bool SignatureChecker::check_sequence(std::int64_t) const { return false; }

std::int64_t TransactionChecker::amount() const {
  return tx_.has_spent_output(input_) ? tx_.spent_outputs()[input_].value : -1;
}

Hash256 TransactionChecker::ecdsa_sighash(std::int32_t hash_type, ByteSpan script_code,
                                          SigVersion sigversion) const {
  const wire::Transaction& tx = tx_.tx();
  if (sigversion != SigVersion::witness_v0)
    return legacy_sighash(tx, input_, script_code, hash_type);
  if (const Bip143Hashes* hashes = tx_.bip143())
    return segwit_v0_sighash(tx, input_, script_code, amount(), hash_type, *hashes);
  Bip143Hashes hashes = bip143_hashes(compute_tx_digests(tx, {}));
  return segwit_v0_sighash(tx, input_, script_code, amount(), hash_type, hashes);
}

bool TransactionChecker::check_ecdsa(ByteSpan sig, ByteSpan pubkey, ByteSpan script_code,
                                     SigVersion sigversion) const {
  if (input_ >= tx_.tx().inputs.size()) return false;
  if (pubkey.empty() || announced_pubkey_size(pubkey[0]) != pubkey.size()) return false;
  if (sig.empty()) return false;
  // Segwit signatures commit to the amount; without it nothing can be valid.
  if (sigversion == SigVersion::witness_v0 && amount() < 0) return false;
  const std::int32_t hash_type = sig.back();
  // Parsing before hashing only saves work: every failure below is the same "false".
  const ByteSpan der = sig.first(sig.size() - 1);
  secp256k1_pubkey key;
  secp256k1_ecdsa_signature parsed;
  if (!parse_pubkey(pubkey, key) || !parse_der_lax(der, parsed)) return false;
  const secp256k1_context* ctx = secp256k1_verify_context();
  secp256k1_ecdsa_signature_normalize(ctx, &parsed, &parsed);
  const Hash256 message = ecdsa_sighash(hash_type, script_code, sigversion);
  return secp256k1_ecdsa_verify(ctx, &parsed, message.bytes.data(), &key) == 1;
}

std::expected<void, ScriptError>
TransactionChecker::check_schnorr(ByteSpan sig, ByteSpan pubkey32, SigVersion sigversion,
                                  const ExecutionData& execdata) const {
  if (sig.size() != 64 && sig.size() != 65) return std::unexpected(ScriptError::schnorr_sig_size);
  std::uint8_t hash_type = kSighashDefault;
  if (sig.size() == 65) {
    hash_type = sig.back();
    // An explicit 0x00 would be a second encoding of the default: not allowed.
    if (hash_type == kSighashDefault) return std::unexpected(ScriptError::schnorr_sig_hashtype);
    sig = sig.first(64);
  }
  const wire::Transaction& tx = tx_.tx();
  const TxDigests* digests = tx_.digests();
  TxDigests local;
  if (digests == nullptr || !digests->has_spent) {
    local = compute_tx_digests(tx, tx_.spent_outputs());
    digests = &local;
  }
  auto message =
      taproot_sighash(tx, input_, tx_.spent_outputs(), hash_type, sigversion, execdata, *digests);
  if (!message) return std::unexpected(ScriptError::schnorr_sig_hashtype);
  if (!verify_schnorr(sig, *message, pubkey32)) return std::unexpected(ScriptError::schnorr_sig);
  return {};
}

bool TransactionChecker::check_lock_time(std::int64_t lock_time) const {
  const wire::Transaction& tx = tx_.tx();
  if (input_ >= tx.inputs.size()) return false;
  const std::int64_t tx_lock_time = tx.lock_time;
  // Heights compare with heights, times with times.
  if ((tx_lock_time < kLockTimeThreshold) != (lock_time < kLockTimeThreshold)) return false;
  if (lock_time > tx_lock_time) return false;
  // A final input would let the transaction ignore its lock time altogether.
  return tx.inputs[input_].sequence != kSequenceFinal;
}

bool TransactionChecker::check_sequence(std::int64_t sequence) const {
  const wire::Transaction& tx = tx_.tx();
  if (input_ >= tx.inputs.size()) return false;
  const std::uint32_t tx_sequence = tx.inputs[input_].sequence;
  if (tx.version < 2) return false; // BIP68 relative lock times need version 2
  if (tx_sequence & kSequenceDisableFlag) return false;
  const std::uint32_t mask = kSequenceTypeFlag | kSequenceMask;
  const std::int64_t tx_masked = tx_sequence & mask;
  const std::int64_t script_masked = sequence & mask;
  if ((tx_masked < kSequenceTypeFlag) != (script_masked < kSequenceTypeFlag)) return false;
  return script_masked <= tx_masked;
}

} // namespace peregrine::consensus
