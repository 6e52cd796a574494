#pragma once
// The block rules that need the coins its inputs spend (Core's ConnectBlock, less the UTXO
// bookkeeping): every input's coin rules, BIP68 sequence locks, the sigop cost, the coinbase's
// claim, and the scripts (unless assumevalid skips them). Pure: coins and chain context in.
#include <cstdint>
#include <expected>
#include <functional>
#include <span>
#include <vector>

#include "consensus/block_check.hpp"
#include "consensus/script/script_flags.hpp"
#include "consensus/tx_check.hpp"
#include "util/thread_pool.hpp"
#include "wire/block.hpp"

namespace peregrine::consensus {

struct InputsContext {
  int height = 0;
  std::int64_t prev_median_time_past = 0;
  std::function<std::int64_t(int)> median_time_past_at; // of the block at a height (BIP68 time locks)
  ScriptFlags flags{};
  bool check_scripts = true;         // false below the assumevalid block
  util::ThreadPool* pool = nullptr; // script checks; null runs them on this thread
};

struct InputsResult {
  std::int64_t fees = 0;
  std::int64_t sigop_cost = 0;
  std::size_t inputs = 0;
  // The outputs the inputs spend, in block order: what the scripts are checked against, kept for a
  // caller that checks them later (check_scripts false).
  std::vector<wire::TxOut> spent;
};

// coins: one per non-coinbase input, in block order (the layout verify_block_scripts uses).
std::expected<InputsResult, BlockFailure> check_block_inputs(const wire::Block& block, std::span<const Coin> coins,
                                                             const InputsContext& context, const ChainParams& params);

// The scripts alone (check_block_inputs' last step): spent as InputsResult::spent. The failure
// names the first failing input in block order.
std::expected<void, BlockFailure> check_block_scripts(const wire::Block& block, std::span<const wire::TxOut> spent,
                                                      ScriptFlags flags, util::ThreadPool* pool);

} // namespace peregrine::consensus
