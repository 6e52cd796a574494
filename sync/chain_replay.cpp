// ChainState's recovery from a flush in parts cut short (see UtxoDb): the database then holds each
// coin as either the block it was moving from or the block it was moving to has it. Rolling the
// old block's branch back to where the two branches meet and the new one forward, overwriting
// whatever each coin holds, gives exactly the new block's set, as Core's ReplayBlocks does.
#include <algorithm>

#include <fmt/format.h>

#include "sync/chain_state.hpp"
#include "wire/codec.hpp"

namespace peregrine::sync {
namespace {

constexpr std::string_view kLog = "chain";

const HeaderEntry* meeting_point(const HeaderEntry* a, const HeaderEntry* b) {
  if (a->height > b->height) a = a->ancestor(b->height);
  if (b->height > a->height) b = b->ancestor(a->height);
  while (a != b) {
    a = a->prev;
    b = b->prev;
  }
  return a;
}

} // namespace

void ChainState::reapply(const wire::Block& block, int height) {
  for (const auto& tx : block.txs) {
    if (!tx.is_coinbase())
      for (const auto& in : tx.inputs) (void)cache_.spend(in.prevout); // gone already, or not
    const Hash256 txid = wire::txid(tx);
    for (std::uint32_t i = 0; i < tx.outputs.size(); ++i)
      if (!consensus::is_unspendable(tx.outputs[i].script_pubkey))
        cache_.add({txid, i}, tx.outputs[i], height, tx.is_coinbase(), /*possible_overwrite=*/true);
  }
}

std::expected<void, std::string> ChainState::replay_flush(const UtxoDb::UnfinishedFlush& unfinished) {
  const HeaderEntry* to = tree_.find(unfinished.to);
  const HeaderEntry* from = unfinished.from.is_zero() ? &tree_.genesis() : tree_.find(unfinished.from);
  if (!to || !from)
    return std::unexpected(fmt::format("the UTXO database was left in the middle of a flush toward block {}, which "
                                       "the header store does not know: rebuild the datadir (import --reindex)",
                                       unfinished.to.to_hex()));
  const HeaderEntry* fork = meeting_point(from, to);
  log_.warn(kLog, "the UTXO database was left in the middle of a flush from height {} to {}: replaying {} blocks",
            from->height, to->height, (from->height - fork->height) + (to->height - fork->height));
  for (const HeaderEntry* e = from; e != fork; e = e->prev) {
    auto block = read_block(*e);
    if (!block) return std::unexpected(block.error());
    auto undo = read_undo(*e);
    if (!undo) return std::unexpected(undo.error());
    if (auto u = unapply(*block, *undo, block->txs.size(), /*replay=*/true); !u) return u;
    if (chain_tx_ != 0) chain_tx_ -= block->txs.size();
  }
  std::vector<const HeaderEntry*> forward;
  for (const HeaderEntry* e = to; e != fork; e = e->prev) forward.push_back(e);
  std::reverse(forward.begin(), forward.end());
  for (const HeaderEntry* e : forward) {
    auto block = read_block(*e);
    if (!block) return std::unexpected(block.error());
    reapply(*block, e->height);
    if (chain_tx_ != 0) chain_tx_ += block->txs.size();
  }
  tip_ = to;
  return flush();
}

} // namespace peregrine::sync
