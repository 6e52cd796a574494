#include "consensus/block_inputs.hpp"

#include <vector>

#include "consensus/block_scripts.hpp"
#include "consensus/coinbase.hpp"
#include "consensus/sigops.hpp"
#include "consensus/tx_finality.hpp"

namespace peregrine::consensus {
namespace {

std::unexpected<BlockFailure> fail(BlockError error, std::size_t tx, std::optional<TxError> tx_error = std::nullopt) {
  return std::unexpected(BlockFailure{error, tx, tx_error, std::nullopt, std::nullopt, std::nullopt});
}

} // namespace

std::expected<InputsResult, BlockFailure> check_block_inputs(const wire::Block& block, std::span<const Coin> coins,
                                                             const InputsContext& context, const ChainParams& params) {
  InputsResult result;
  // The spent outputs alone, in the same order: what sigop counting and the scripts read.
  std::vector<wire::TxOut>& spent = result.spent;
  spent.reserve(coins.size());
  for (const auto& coin : coins) spent.push_back(coin.output);

  const bool enforce_bip68 = context.height >= params.csv_height;
  std::size_t at = 0; // this transaction's first coin
  std::vector<int> coin_heights;
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    const wire::Transaction& tx = block.txs[i];
    std::span<const wire::TxOut> tx_spent;
    if (!tx.is_coinbase()) {
      const std::size_t n = tx.inputs.size();
      if (coins.size() - at < n) return fail(BlockError::bad_txns, i, TxError::inputs_missing);
      auto tx_coins = coins.subspan(at, n);
      tx_spent = std::span<const wire::TxOut>(spent).subspan(at, n);
      at += n;
      auto fee = check_tx_inputs(tx, tx_coins, context.height);
      if (!fee) return fail(BlockError::bad_txns, i, fee.error());
      result.fees += *fee;
      if (!money_range(result.fees)) return fail(BlockError::bad_txns, i, TxError::fee_outofrange);

      coin_heights.clear();
      for (const auto& c : tx_coins) coin_heights.push_back(c.height);
      auto locks = sequence_locks(tx, enforce_bip68, coin_heights, context.median_time_past_at);
      if (!sequence_locks_satisfied(locks, context.height, context.prev_median_time_past))
        return fail(BlockError::bad_txns_nonfinal, i);
    }
    result.sigop_cost += transaction_sigop_cost(tx, tx_spent, context.flags);
    if (result.sigop_cost > kMaxBlockSigopsCost) return fail(BlockError::bad_blk_sigops, i);
  }
  result.inputs = at;

  std::int64_t claimed = 0;
  for (const auto& out : block.txs.at(0).outputs) claimed += out.value; // each in range: check_block
  if (claimed > block_subsidy(context.height, params.subsidy_halving_interval) + result.fees)
    return fail(BlockError::bad_cb_amount, 0);

  if (context.check_scripts) {
    if (auto scripts = check_block_scripts(block, spent, context.flags, context.pool); !scripts)
      return std::unexpected(scripts.error());
  }
  return result;
}

std::expected<void, BlockFailure> check_block_scripts(const wire::Block& block, std::span<const wire::TxOut> spent,
                                                      ScriptFlags flags, util::ThreadPool* pool) {
  auto scripts = verify_block_scripts(block, spent, flags, pool);
  if (!scripts.first_failure) return {};
  const InputRef ref = scripts.inputs[*scripts.first_failure];
  return std::unexpected(
      BlockFailure{BlockError::script_failed, ref.tx, std::nullopt, ref.input, scripts.errors[*scripts.first_failure], std::nullopt});
}

} // namespace peregrine::consensus
