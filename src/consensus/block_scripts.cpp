#include "consensus/block_scripts.hpp"

#include <optional>

#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/verify_script.hpp"

namespace peregrine::consensus {
namespace {

// Small enough to balance a block whose cost sits in a few transactions, large enough that
// claiming a range (one atomic add) is noise.
constexpr std::size_t kInputGrain = 16;
constexpr std::size_t kTxGrain = 8;

void run(util::ThreadPool* pool, std::size_t count, std::size_t grain,
         const std::function<void(std::size_t, std::size_t)>& fn) {
  if (pool == nullptr || pool->size() <= 1) {
    if (count > 0) fn(0, count);
    return;
  }
  pool->parallel_for(count, grain, fn);
}

} // namespace

BlockScriptResult verify_block_scripts(const wire::Block& block, std::span<const wire::TxOut> spent,
                                       ScriptFlags flags, util::ThreadPool* pool) {
  BlockScriptResult result;
  const std::size_t tx_count = block.txs.size();
  // Where each transaction's spent outputs start in `spent`.
  std::vector<std::size_t> first_spent(tx_count, 0);
  for (std::size_t t = 1; t < tx_count; ++t) {
    first_spent[t] = result.inputs.size();
    for (std::size_t i = 0; i < block.txs[t].inputs.size(); ++i)
      result.inputs.push_back({static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(i)});
  }

  std::vector<std::optional<PrecomputedTx>> prepared(tx_count);
  run(pool, tx_count == 0 ? 0 : tx_count - 1, kTxGrain, [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin + 1; t < end + 1; ++t) {
      const std::size_t first = std::min(first_spent[t], spent.size());
      const std::size_t n = std::min(block.txs[t].inputs.size(), spent.size() - first);
      prepared[t].emplace(block.txs[t], spent.subspan(first, n));
    }
  });

  result.errors.assign(result.inputs.size(), ScriptError::ok);
  run(pool, result.inputs.size(), kInputGrain, [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) {
      const InputRef ref = result.inputs[k];
      auto verified = verify_input(*prepared[ref.tx], ref.input, flags);
      if (!verified) result.errors[k] = verified.error();
    }
  });

  for (std::size_t k = 0; k < result.errors.size(); ++k) {
    if (result.errors[k] == ScriptError::ok) {
      ++result.valid;
    } else {
      ++result.invalid;
      if (!result.first_failure) result.first_failure = k;
    }
  }
  return result;
}

} // namespace peregrine::consensus
