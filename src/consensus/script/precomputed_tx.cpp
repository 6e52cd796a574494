#include "consensus/script/precomputed_tx.hpp"

namespace peregrine::consensus {

PrecomputedTx::PrecomputedTx(const wire::Transaction& tx,
                             std::span<const wire::TxOut> spent_outputs)
    : tx_(&tx), spent_(spent_outputs) {
  bool any_witness = false;
  for (const auto& in : tx.inputs) any_witness = any_witness || !in.witness.empty();
  if (!any_witness) return;
  digests_ = compute_tx_digests(
      tx, spent_.size() == tx.inputs.size() ? spent_ : std::span<const wire::TxOut>{});
  bip143_ = bip143_hashes(digests_);
  has_digests_ = true;
}

} // namespace peregrine::consensus
