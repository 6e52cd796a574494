#pragma once
// The validated chain: connects stored blocks to the UTXO set along the best header chain,
// disconnects them with their undo data on reorgs, and flushes the coins cache so that the UTXO
// database always names a block whose data and undo are durable. One thread owns it.
//
// Scripts are checked in the background: a block's coins are updated in the cache as soon as its
// other rules pass, and the next block's coins while its scripts are still being checked. A block
// counts as connected (tip()) once its scripts verified; one that fails rolls the cache back to its
// parent, undoing the blocks applied after it too.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <expected>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "consensus/block_check.hpp"
#include "sync/block_store.hpp"
#include "sync/block_undo.hpp"
#include "sync/chain_timings.hpp"
#include "sync/coin_prefetcher.hpp"
#include "sync/coins_cache.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/script_checker.hpp"
#include "sync/snapshot_load.hpp"
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
  // Blocks applied to the coins ahead of their script verdicts; 1 checks each block's scripts before
  // the next block's coins (no overlap). Bounds the blocks and spent outputs held, as does the
  // byte bound (which full 4 MB blocks reach first).
  std::size_t script_lookahead = 16;
  std::size_t script_lookahead_bytes = std::size_t{64} << 20;
  // Blocks that arrived before their parent are kept decoded up to this many bytes (beyond it they
  // are read back from the block store when their turn comes).
  std::size_t parked_bytes = std::size_t{16} << 20;
  // Threads reading ahead the coins of blocks waiting for the chain (0: none).
  std::size_t prefetch_threads = 2;
  // --prune: blk and rev files are deleted, oldest blocks first, to keep them under this many bytes
  // (0: keep every block); never the last 288 blocks' data, which reorgs need.
  std::uint64_t prune_target_bytes = 0;
};

// A block on its way to the chain, its header accepted already: decoded once, hashed once, and
// its bytes kept as they came, so the block store writes them without serializing it again.
struct ReceivedBlock {
  const HeaderEntry* entry = nullptr;
  std::shared_ptr<const wire::Block> block;
  Bytes raw;                    // as received; serialized from block when empty
  std::vector<Hash256> txids;   // one per transaction when the sender hashed them already
  bool witness_checked = false; // consensus::find_mutation passed: the witness commitment matches
  // What holding it costs, for the bounds on queues of blocks.
  std::size_t memory_bytes() const;
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
  std::uint64_t files_pruned = 0;
  ChainTimings time;
};

class ChainState {
public:
  ChainState(HeaderTree& tree, HeaderStore& headers, BlockStore& blocks, UtxoDb& utxo, util::Logger& log,
             ChainStateOptions options = {});

  // After the header tree is loaded: takes the UTXO database's block as the tip (a database
  // naming a block the tree lacks is an error: the datadir needs a rebuild).
  std::expected<void, std::string> init();

  // A block whose header the tree accepted: written to the block store (unless it is there) and
  // the chain advanced as far as stored blocks allow. A block breaking a rule is reported through
  // invalid_blocks() and is not an error of this call; errors are the stores'.
  std::expected<void, std::string> process_block(ReceivedBlock received);

  // For callers that own the tree too (tests): the header is accepted first. An unknown parent is
  // prev-blk-not-found (the caller may hold the block until the parent arrives); a header breaking
  // a rule is reported through invalid_blocks().
  std::expected<void, std::string> process_block(const wire::Block& block, ByteSpan raw,
                                                 consensus::HeaderError* header_error = nullptr);

  // Blocks about to be processed: the coins they spend that the cache lacks are read from the
  // database in the background meanwhile (their own outputs, and those of the earlier ones, are not).
  void prefetch(std::span<const ReceivedBlock> upcoming);

  // Connects and disconnects toward the best valid header, through blocks we have. May return with
  // blocks whose scripts are still being checked.
  std::expected<void, std::string> activate_best_chain();
  // Waits for the script checks under way and settles them (going on toward the best chain when a
  // block failed): afterwards tip() is as far as the stored blocks can take it.
  std::expected<void, std::string> wait_for_checks();
  // Writes the coins cache, with the tip as best block, after making blocks, undo and headers
  // durable. Waits for the script checks under way first. keep: what the cache holds afterwards.
  std::expected<void, std::string> flush(CoinsCache::Keep keep = CoinsCache::Keep::nothing);

  // RPC reconsiderblock: the tree made these entries valid again, so the failures this chain noted
  // for them (while their invalidation was on its way to the tree) are forgotten too.
  void forget_failures(std::span<const HeaderEntry* const> entries);
  // RPC pruneblockchain (--prune only): flushes, then deletes the blk and rev files whose blocks are
  // all at or below height, never the last 288 blocks' data nor the files being written.
  std::expected<void, std::string> prune_to(int height);

  // RPC loadtxoutset (sync/chain_snapshot.cpp): while the chain is at genesis with nothing
  // connected, the snapshot becomes the UTXO set and its base the tip; blocks below the base are
  // never connected here. On a refusal the database is wiped back to empty.
  std::expected<SnapshotLoad, std::string> load_snapshot(SnapshotReader& reader, const SnapshotExpectation& expect);

  // RPC verifychain (sync/chain_verify.cpp): checks the last `blocks` blocks of the chain (0: all
  // with data) at Core's levels: 0 the block reads back with its hash, 1 its context-free rules, 2
  // its undo data reads back and matches its inputs, 3 disconnecting it from the UTXO set in memory
  // finds every output it created and restores coins that were spent (the set stays untouched: the
  // cache is flushed first and the walk reads the database through an overlay). Level 4 (connect
  // again) is checked as 3. Stops at the first block whose data or undo data was pruned.
  struct Verification {
    bool ok = true;
    int checked = 0;       // blocks checked
    std::string problem;   // the first failure, when !ok
  };
  std::expected<Verification, std::string> verify(int level, int blocks);

  // Tests: while held, script verdicts wait (wait_for_checks would too), so later blocks are applied
  // behind an undecided one.
  void hold_script_checks(bool held) { checker_->hold(held); }

  // Each connected block's figures (--trace), in chain order; a block's row comes once its
  // successor is committed or the chain flushed, so that a flush after it is counted in it.
  std::function<void(const BlockTrace&)> on_block_traced;

  // When the chain runs on a thread of its own, the tree's shape belongs to the thread that
  // accepts headers. Set, this is called for a block found invalid instead of invalidating it in
  // the tree: the owner calls HeaderTree::invalidate, stores the changed headers and asks the
  // chain to go on (activate_best_chain). Until then the chain treats the block as failed.
  std::function<void(const HeaderEntry&)> defer_invalidation;

  const HeaderEntry& tip() const { return *tip_; }
  // The coins cache over the UTXO database, for reads (call wait_for_checks() first for coins that
  // agree with tip()).
  const CoinsCache& coins() const { return cache_; }
  // Transactions in the chain up to tip(), genesis included; 0 when unknown (an older database).
  std::uint64_t chain_tx() const { return chain_tx_; }
  const std::vector<InvalidBlock>& invalid_blocks() const { return invalid_; }
  const ChainStats& stats() const { return stats_; }
  PrefetchStats prefetch_stats() const { return prefetcher_.stats(); }
  // Any thread: a UTXO flush is under way (for the report's time the download waited on one).
  bool flushing() const { return flushing_.load(std::memory_order_relaxed); }
  std::size_t cache_bytes() const { return cache_.memory_usage(); }
  // Blocks applied to the coins whose script verdicts are not committed yet.
  std::size_t pending_checks() const { return pending_.size(); }
  // Blocks held decoded while they wait for their parent, and their memory.
  std::size_t parked_blocks() const { return parked_.size(); }
  std::size_t parked_bytes() const { return parked_bytes_; }

private:
  // A block applied to the coins cache whose verdict is not in yet (or whose turn to be committed,
  // in chain order, has not come).
  struct Pending {
    const HeaderEntry* entry = nullptr;
    std::shared_ptr<const wire::Block> block;
    BlockUndo undo;
    std::size_t inputs = 0;
    std::optional<std::future<ScriptOutcome>> scripts; // none: scripts skipped (assumevalid)
    BlockTrace trace;
    std::size_t memory = 0; // the block and its spent outputs, held until committed
  };
  enum class Wait { none, front, all };

  std::expected<void, std::string> guarded(std::expected<void, std::string> result);
  std::expected<void, std::string> process_block_unguarded(ReceivedBlock received);
  std::expected<void, std::string> activate_best_chain_unguarded();
  std::expected<void, std::string> wait_for_checks_unguarded();
  std::expected<void, std::string> flush_unguarded(CoinsCache::Keep keep);
  const HeaderEntry& applied_tip() const { return pending_.empty() ? *tip_ : *pending_.back().entry; }
  // Applies a block to the cache and queues its scripts; false when a rule outside the scripts failed.
  std::expected<bool, std::string> connect(const HeaderEntry& entry);
  // The decoded block and what is known of it, from memory when it was received (or parked), else
  // read back from the block store.
  std::expected<ReceivedBlock, std::string> take_block(const HeaderEntry& entry);
  // Not to be connected: invalid in the tree, or found invalid here and not yet invalidated there.
  bool failed(const HeaderEntry& entry) const { return !entry.valid() || failed_.contains(&entry); }
  // Drops parked blocks that can no longer be connected, then the highest ones over the budget.
  void trim_parked();
  // Commits pending blocks whose scripts verified, oldest first. Returns false when one failed: it
  // is marked invalid and the cache rolled back to its parent.
  std::expected<bool, std::string> settle(Wait wait);
  std::expected<void, std::string> commit(Pending& pending);
  // --prune: whether a file could go now, and deleting files (after a flush) until under target.
  bool prune_due() const;
  std::expected<void, std::string> prune();
  // Deletes files whose blocks are all at or below last_prunable, oldest first, until under target.
  std::expected<void, std::string> prune_files(int last_prunable, std::uint64_t target);
  std::expected<void, std::string> disconnect_tip();
  // Reverses the first tx_count transactions of block (outputs removed, spent coins restored). In a
  // replay (below) an output may be gone already and a restored coin may be in the database.
  std::expected<void, std::string> unapply(const wire::Block& block, const BlockUndo& undo, std::size_t tx_count,
                                           bool replay = false);
  std::expected<BlockUndo, std::string> read_undo(const HeaderEntry& entry) const;
  // The database was left in the middle of a flush in parts (sync/chain_replay.cpp): every coin is
  // as one of the two blocks has it. Rolls back the old block's branch to where the two meet and
  // forward to the new block, overwriting whatever each coin holds, then flushes.
  std::expected<void, std::string> replay_flush(const UtxoDb::UnfinishedFlush& unfinished);
  // Applies a connected block's coins again, whatever the database holds of them (replay_flush).
  void reapply(const wire::Block& block, int height);
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
  CoinPrefetcher prefetcher_;
  std::unique_ptr<util::ThreadPool> pool_;
  std::unique_ptr<ScriptChecker> checker_; // uses pool_: destroyed first
  std::deque<Pending> pending_;
  std::string store_failure_; // the first store error: every later call fails with it (guarded)
  std::size_t pending_bytes_ = 0;
  // Received blocks not connected yet (the one being processed, and those waiting for a parent),
  // so connecting them needs no read back from the block store.
  std::unordered_map<const HeaderEntry*, ReceivedBlock> parked_;
  std::size_t parked_bytes_ = 0;
  // Found invalid while the tree's owner has not invalidated them yet (defer_invalidation).
  std::unordered_set<const HeaderEntry*> failed_;
  const HeaderEntry* tip_;
  std::uint64_t chain_tx_ = 0;
  std::vector<InvalidBlock> invalid_;
  // The highest block whose data (undo data) each blk (rev) file holds: what --prune decides by.
  std::map<std::uint32_t, int> block_file_top_;
  // Entries whose block or undo data was written since the block store's last fsync: the header
  // store records their positions at the next flush, once the bytes are durable.
  std::vector<const HeaderEntry*> awaiting_fsync_;
  std::map<std::uint32_t, int> undo_file_top_;
  void emit_trace();

  ChainStats stats_;
  std::atomic<bool> flushing_{false};
  std::optional<BlockTrace> last_trace_; // committed, not yet handed to on_block_traced
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

} // namespace peregrine::sync
