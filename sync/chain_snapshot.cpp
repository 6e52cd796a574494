// ChainState::load_snapshot: a UTXO snapshot made the chain's set at run time (RPC loadtxoutset).
#include "sync/chain_state.hpp"

#include <fmt/format.h>

namespace peregrine::sync {
namespace {
constexpr std::string_view kLog = "chain";
}

std::expected<SnapshotLoad, std::string> ChainState::load_snapshot(SnapshotReader& reader,
                                                                   const SnapshotExpectation& expect) {
  if (tip_ != &tree_.genesis() || stats_.blocks_connected != 0)
    return std::unexpected(fmt::format("the chain is at height {}: a snapshot loads only while no block is connected "
                                       "(a second chainstate for background validation is not built yet)",
                                       tip_->height));
  const HeaderEntry* base = tree_.find(expect.base_block);
  if (!base || !base->valid()) return std::unexpected("the snapshot's base block is not a valid header we hold");
  // Nothing is cached at genesis; reads under way were of the empty database.
  prefetcher_.new_epoch();
  auto loaded = load_utxo_snapshot(reader, expect, utxo_);
  if (!loaded) {
    if (auto w = utxo_.wipe(); !w) return std::unexpected(fmt::format("{}; and then: {}", loaded.error(), w.error()));
    return loaded;
  }
  tip_ = base;
  chain_tx_ = expect.chain_tx;
  log_.info(kLog, "UTXO snapshot loaded: {} coins at height {} ({})", loaded->header.coins_count, base->height,
            base->hash->to_hex());
  return loaded;
}

} // namespace peregrine::sync
