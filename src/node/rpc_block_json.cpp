#include "node/rpc_block_json.hpp"

#include "node/core_json.hpp"
#include "node/rpc_chain_view.hpp"

namespace peregrine::node {

std::expected<util::json::Value, RpcError> verbose_transactions(const SyncNode& node, const sync::HeaderEntry& entry,
                                                                const wire::Block& block, bool with_prevouts) {
  // Core shows fees (and prevouts) only where the undo data is there: blocks of the active chain
  // that were connected and not pruned. Elsewhere the transactions come without them.
  std::optional<sync::BlockUndo> undo;
  if (entry.have_undo() && node.chain.tip().ancestor(entry.height) == &entry) {
    auto read = rpc::read_stored_undo(node, entry);
    if (!read) return std::unexpected(read.error());
    if (read->txs.size() + 1 == block.txs.size()) undo = std::move(*read);
  }
  util::json::Value txs = util::json::Value::array();
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    TxJsonOptions options;
    if (undo && i > 0) {
      options.spent_coins = undo->txs[i - 1];
      options.show_prevouts = with_prevouts;
    }
    txs.push_back(tx_json(block.txs[i], node.params, options));
  }
  return txs;
}

} // namespace peregrine::node
