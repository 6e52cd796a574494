#pragma once
// A transaction ready for script checks: the outputs its inputs spend, and the signature-hash
// midstates computed once for all its inputs rather than once per input (BIP143 and BIP341).
// Thread-safe to share once built: every input of a transaction may be checked in parallel.
#include <span>

#include "consensus/script/sighash.hpp"
#include "wire/transaction.hpp"

namespace peregrine::consensus {

class PrecomputedTx {
public:
  // spent_outputs[i] is the output input i spends. Both must outlive this object. With fewer
  // spent outputs than inputs, the inputs without one fail verification.
  PrecomputedTx(const wire::Transaction& tx, std::span<const wire::TxOut> spent_outputs);

  const wire::Transaction& tx() const { return *tx_; }
  std::span<const wire::TxOut> spent_outputs() const { return spent_; }
  bool has_spent_output(std::size_t input) const { return input < spent_.size(); }

  // Computed when any input has a witness (the only inputs that can use them).
  const TxDigests* digests() const { return has_digests_ ? &digests_ : nullptr; }
  const Bip143Hashes* bip143() const { return has_digests_ ? &bip143_ : nullptr; }

private:
  const wire::Transaction* tx_;
  std::span<const wire::TxOut> spent_;
  bool has_digests_ = false;
  TxDigests digests_;
  Bip143Hashes bip143_;
};

} // namespace peregrine::consensus
