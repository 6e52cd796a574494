// ChainState::verify, RPC verifychain: the last blocks of the chain checked again at Core's levels,
// without changing the UTXO set (level 3 walks it back through an overlay in memory).
#include <map>
#include <optional>

#include <fmt/format.h>

#include "sync/chain_state.hpp"

namespace peregrine::sync {
namespace {

// The UTXO set as it would be with the walked blocks disconnected: changes over the database.
class CoinOverlay {
public:
  explicit CoinOverlay(const UtxoDb& db) : db_(db) {}

  std::expected<std::optional<consensus::Coin>, std::string> get(const wire::OutPoint& outpoint) const {
    if (auto it = changes_.find(outpoint); it != changes_.end()) return it->second;
    return db_.get(outpoint);
  }
  void set(const wire::OutPoint& outpoint, std::optional<consensus::Coin> coin) { changes_[outpoint] = std::move(coin); }

private:
  const UtxoDb& db_;
  std::map<wire::OutPoint, std::optional<consensus::Coin>> changes_;
};

std::string where(const HeaderEntry& e) { return fmt::format("block {} ({})", e.height, e.hash->to_hex()); }

// Level 3 for one block: its outputs are in the set as it created them, and the coins it spent
// are not (they come back from its undo data).
std::expected<std::string, std::string> disconnect_in_overlay(CoinOverlay& coins, const wire::Block& block,
                                                              const BlockUndo& undo, int height) {
  std::size_t undo_index = undo.txs.size();
  for (std::size_t t = block.txs.size(); t-- > 0;) {
    const auto& tx = block.txs[t];
    const Hash256 txid = wire::txid(tx);
    for (std::uint32_t i = 0; i < tx.outputs.size(); ++i) {
      if (consensus::is_unspendable(tx.outputs[i].script_pubkey)) continue;
      auto coin = coins.get({txid, i});
      if (!coin) return std::unexpected(coin.error());
      // An output spent later in the chain was restored by that block's undo data already.
      if (!*coin || (*coin)->output != tx.outputs[i] || (*coin)->height != height || (*coin)->coinbase != tx.is_coinbase())
        return fmt::format("output {}:{} is not in the UTXO set as the block created it", txid.to_hex(), i);
      coins.set({txid, i}, std::nullopt);
    }
    if (tx.is_coinbase()) continue;
    if (undo_index == 0) return std::string("undo data has fewer transactions than the block");
    const auto& spent = undo.txs[--undo_index];
    for (std::size_t k = 0; k < tx.inputs.size(); ++k) {
      auto coin = coins.get(tx.inputs[k].prevout);
      if (!coin) return std::unexpected(coin.error());
      if (*coin) return fmt::format("coin {}:{} spent by the block is still unspent", tx.inputs[k].prevout.txid.to_hex(),
                                    tx.inputs[k].prevout.index);
      coins.set(tx.inputs[k].prevout, spent[k]);
    }
  }
  return std::string();
}

} // namespace

std::expected<ChainState::Verification, std::string> ChainState::verify(int level, int blocks) {
  level = std::clamp(level, 0, 4);
  // Level 3 reads the database: everything connected so far must be in it.
  if (level >= 3)
    if (auto f = flush(CoinsCache::Keep::clean); !f) return std::unexpected(f.error());
  CoinOverlay coins(utxo_);
  Verification out;
  auto fail = [&out](std::string problem) {
    out.ok = false;
    out.problem = std::move(problem);
    return out;
  };
  const int stop = blocks <= 0 ? 0 : std::max(tip_->height - blocks, 0);
  for (const HeaderEntry* e = tip_; e && e->height > stop; e = e->prev) {
    if (!e->have_data()) break; // pruned: Core stops there too
    auto block = read_block(*e);
    if (!block) return fail(fmt::format("{}: {}", where(*e), block.error()));
    if (level >= 1)
      if (auto r = consensus::check_block(*block, params_); !r)
        return fail(fmt::format("{} breaks a rule: {}", where(*e), r.error().detail()));
    if (level >= 2) {
      if (!e->have_undo()) break;
      auto undo = read_undo(*e);
      if (!undo) return fail(undo.error());
      if (undo->txs.size() + 1 != block->txs.size())
        return fail(fmt::format("undo data of {} does not match its transactions", where(*e)));
      for (std::size_t t = 1; t < block->txs.size(); ++t)
        if (undo->txs[t - 1].size() != block->txs[t].inputs.size())
          return fail(fmt::format("undo data of {} does not match its inputs", where(*e)));
      if (level >= 3) {
        auto walked = disconnect_in_overlay(coins, *block, *undo, e->height);
        if (!walked) return std::unexpected(walked.error());
        if (!walked->empty()) return fail(fmt::format("{}: {}", where(*e), *walked));
      }
    }
    ++out.checked;
  }
  return out;
}

} // namespace peregrine::sync
