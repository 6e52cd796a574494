#pragma once
// What the interpreter asks of the transaction it runs in: signature checks and lock times.
// SignatureChecker is the interface (its defaults fail every check, for evaluating scripts
// outside a transaction); TransactionChecker answers for one input of a PrecomputedTx.
#include <cstdint>
#include <expected>

#include "consensus/script/execution_data.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/script_error.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"

namespace peregrine::consensus {

class SignatureChecker {
public:
  virtual ~SignatureChecker() = default;

  // ECDSA (legacy and segwit v0): whether sig (with its hash-type byte) is valid for pubkey.
  virtual bool check_ecdsa(ByteSpan sig, ByteSpan pubkey, ByteSpan script_code,
                           SigVersion sigversion) const;
  // Schnorr (taproot key path and tapscript), with the error that fails the script if not.
  virtual std::expected<void, ScriptError> check_schnorr(ByteSpan sig, ByteSpan pubkey32,
                                                         SigVersion sigversion,
                                                         const ExecutionData& execdata) const;
  virtual bool check_lock_time(std::int64_t lock_time) const;
  virtual bool check_sequence(std::int64_t sequence) const;
};

class TransactionChecker : public SignatureChecker {
public:
  TransactionChecker(const PrecomputedTx& tx, std::size_t input) : tx_(tx), input_(input) {}

  bool check_ecdsa(ByteSpan sig, ByteSpan pubkey, ByteSpan script_code,
                   SigVersion sigversion) const override;
  std::expected<void, ScriptError> check_schnorr(ByteSpan sig, ByteSpan pubkey32,
                                                 SigVersion sigversion,
                                                 const ExecutionData& execdata) const override;
  bool check_lock_time(std::int64_t lock_time) const override;
  bool check_sequence(std::int64_t sequence) const override;

  // The message an ECDSA signature with this hash type signs (for benchmarks and tools).
  Hash256 ecdsa_sighash(std::int32_t hash_type, ByteSpan script_code, SigVersion sigversion) const;

private:
  std::int64_t amount() const;

  const PrecomputedTx& tx_;
  std::size_t input_;
};

} // namespace peregrine::consensus
