#pragma once
// Checks a generated chain with the project's consensus code, block by block, as a node would
// connect it: header rules with the ancestry, context-free and contextual block rules, and every
// input against a UTXO map (coin rules, sigops, the coinbase's claim, and scripts).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "consensus/coin.hpp"
#include "util/bytes.hpp"
#include "wire/block.hpp"
#include "workload/generator.hpp"

namespace peregrine::test {

struct CheckedChain {
  std::string error; // empty when every block is valid
  int height = 0;
  std::map<wire::OutPoint, consensus::Coin> utxo;
  std::uint64_t inputs = 0;
  std::uint64_t total_age = 0;      // of spent coins, in blocks
  std::map<std::string, std::uint64_t> spent_kinds; // inputs by the type of script they spend
  std::int64_t max_sigop_cost = 0;
  std::vector<std::size_t> block_weights;
  std::vector<std::size_t> block_txs; // coinbase not counted
};

CheckedChain check_chain(const std::vector<Bytes>& blocks);

// The chain the parameters give, every block kept in memory (small chains only).
std::vector<Bytes> generate_blocks(const workload::GeneratorParams& params, workload::GeneratorStats* stats = nullptr);

} // namespace peregrine::test
