#pragma once
// Builds one generated transaction from its plan: inputs spending pool coins, outputs of the
// planned kinds and values, and the scriptSigs and witnesses that make every input valid (signed
// with the project's own sighash code, so a spend that verifies here verifies in the chain).
#include <cstdint>
#include <span>
#include <vector>

#include "util/hash256.hpp"
#include "wire/transaction.hpp"
#include "workload/coin_pool.hpp"
#include "workload/signer.hpp"

namespace peregrine::workload {

struct PlannedOutput {
  std::int64_t value = 0;
  ScriptKind kind = ScriptKind::trivial;
};

// Fills tx (reusing its buffers) as transaction number tx_index of the chain: version 2, lock
// time 0, final sequences. txids is the chain's txid table, indexed by PoolCoin::tx. Returns the
// number of signatures made.
unsigned build_transaction(wire::Transaction& tx, std::uint32_t tx_index, std::span<const PoolCoin> coins,
                           std::span<const PlannedOutput> outputs, std::span<const Hash256> txids,
                           const Signer& signer);

// Fills every input's scriptSig and witness for the coins it spends (SIGHASH_ALL, or
// SIGHASH_DEFAULT for taproot). spent[i] is the output input i spends: its value always, its script
// where a sighash reads it (P2PKH; every input once any is taproot).
unsigned sign_inputs(wire::Transaction& tx, std::span<const PoolCoin> coins, std::span<const wire::TxOut> spent,
                     const Signer& signer);

} // namespace peregrine::workload
