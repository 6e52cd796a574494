#pragma once
// The workload generator: a valid regtest chain shaped by GeneratorParams, the same bytes for the
// same seed whatever the thread count. Blocks go to a sink one at a time (genesis first), so
// memory holds one block, the spendable coins (16 bytes each) and the txid table (32 bytes a
// transaction), never the chain.
#include <cstdint>
#include <expected>
#include <functional>
#include <string>

#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "workload/params.hpp"

namespace peregrine::workload {

struct GeneratorStats {
  std::uint32_t height = 0; // of the last block made
  Hash256 tip;
  std::uint64_t transactions = 0; // coinbases not counted
  std::uint64_t inputs = 0;
  std::uint64_t young_inputs = 0; // inputs that took a coin from the young window
  std::uint64_t outputs = 0;      // coinbases' paying outputs included, their commitments not
  std::uint64_t signatures = 0;
  // Unspent outputs at the tip, immature coinbases included and the genesis output and witness
  // commitments not: what `peregrine utxo-stats` reports as txouts.
  std::uint64_t coins = 0;
  std::uint64_t block_bytes = 0; // serialized blocks, genesis included, framing not
  std::uint64_t max_block_weight = 0;
  std::uint64_t memory_bytes = 0; // coin pool and txid table
};

using BlockSink = std::function<std::expected<void, std::string>(ByteSpan block)>;
using ProgressFn = std::function<void(const GeneratorStats&)>;

// Makes the chain the parameters describe (they must pass check_params) and hands every block to
// sink in height order. progress, if given, is called after each block. The error is the sink's,
// or a limit of this implementation that check_params cannot foresee (over 2^32 transactions).
std::expected<GeneratorStats, std::string> generate_chain(const GeneratorParams& params, const BlockSink& sink,
                                                          const ProgressFn& progress = {});

} // namespace peregrine::workload
