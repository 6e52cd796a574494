#pragma once
// The validated chain: connects stored blocks to the UTXO set along the best header chain,
// disconnects them with their undo data on reorgs, and flushes the coins cache so that the UTXO
// database always names a block whose data and undo are durable. One thread owns it.
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/block_check.hpp"
#include "sync/block_store.hpp"
#include "sync/block_undo.hpp"
#include "sync/coins_cache.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/utxo_db.hpp"
#include "util/log.hpp"
#include "util/thread_pool.hpp"

namespace peregrine::sync {

struct ChainStateOptions {
  std::size_t dbcache_bytes = std::size_t{450} << 20;
  unsigned par = 0;              // script-check threads; 0: one per core
  bool assumevalid = true;       // false: check every script (--assumevalid=0)
  std::optional<Hash256> assumevalid_block; // default: the network's
  std::chrono::seconds flush_interval{3600};
};

struct InvalidBlock {
  int height = 0;
  Hash256 hash;
  std::string reason; // Core's reject reason
};

struct ChainStats {
  std::uint64_t blocks_connected = 0;
  std::uint64_t blocks_disconnected = 0;
  std::uint64_t transactions = 0;
  std::uint64_t inputs = 0;
  std::uint64_t flushes = 0;
  std::uint64_t scripts_skipped_blocks = 0; // under assumevalid
};

class ChainState {
public:
  ChainState(HeaderTree& tree, HeaderStore& headers, BlockStore& blocks, UtxoDb& utxo, util::Logger& log,
             ChainStateOptions options = {});

  // After the header tree is loaded: takes the UTXO database's block as the tip (a database
  // naming a block the tree lacks is an error: the datadir needs a rebuild).
  std::expected<void, std::string> init();

  // A block from the network or a file. Its header is validated and stored, the block written to
  // the block store, and the chain advanced as far as stored blocks allow. An unknown parent is
  // prev-blk-not-found (the caller may hold the block until the parent arrives); a header or block
  // breaking a rule is reported through invalid_blocks() and is not an error of this call.
  std::expected<void, std::string> process_block(const wire::Block& block, ByteSpan raw,
                                                 consensus::HeaderError* header_error = nullptr);

  // Connects and disconnects toward the best valid header, through blocks we have.
  std::expected<void, std::string> activate_best_chain();
  // Writes the coins cache, with the tip as best block, after making blocks, undo and headers durable.
  std::expected<void, std::string> flush();

  const HeaderEntry& tip() const { return *tip_; }
  const std::vector<InvalidBlock>& invalid_blocks() const { return invalid_; }
  const ChainStats& stats() const { return stats_; }
  std::size_t cache_bytes() const { return cache_.memory_usage(); }

private:
  enum class Step { connected, invalid };
  std::expected<Step, std::string> connect(const HeaderEntry& entry);
  std::expected<void, std::string> disconnect_tip();
  // Reverses the first tx_count transactions of block (outputs removed, spent coins restored).
  std::expected<void, std::string> unapply(const wire::Block& block, const BlockUndo& undo, std::size_t tx_count);
  std::expected<wire::Block, std::string> read_block(const HeaderEntry& entry) const;
  void mark_invalid(const HeaderEntry& entry, std::string reason);
  bool skip_scripts(const HeaderEntry& entry) const;
  std::expected<void, std::string> maybe_flush();

  HeaderTree& tree_;
  HeaderStore& headers_;
  BlockStore& blocks_;
  UtxoDb& utxo_;
  util::Logger& log_;
  ChainStateOptions options_;
  const consensus::ChainParams& params_;
  CoinsCache cache_;
  std::unique_ptr<util::ThreadPool> pool_;
  const HeaderEntry* tip_;
  std::vector<InvalidBlock> invalid_;
  ChainStats stats_;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

} // namespace peregrine::sync
