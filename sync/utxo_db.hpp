#pragma once
// The UTXO set on disk: LevelDB in DATADIR/chainstate, one record per unspent output (Core's
// compact Coin encoding) keyed by outpoint, and the best-block marker.
//
// A flush that fits one batch moves coins and marker together, fsynced: after a crash the database
// is the UTXO set of exactly the block it names. A larger flush goes in parts, as Core's does, so
// that neither the batch nor LevelDB's write buffer has to hold all of it: first a durable marker
// naming the block the coins move to and the block they come from, then the parts, then the new
// best block with the marker erased. A crash in between leaves every coin as one of the two blocks
// has it; unfinished_flush() then names both, and the chain state replays the blocks between them
// (rolling back the one's branch and forward along the other's) before anything else.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/chainparams.hpp"
#include "consensus/coin.hpp"
#include "sync/leveldb_open.hpp"
#include "wire/transaction.hpp"

namespace leveldb {
class WriteBatch;
}

namespace peregrine::sync {

// One change to the set: a coin created (or rewritten), or spent (nullopt).
struct CoinChange {
  wire::OutPoint outpoint;
  std::optional<consensus::Coin> coin;
};

// LevelDB's share of --dbcache, as Core sizes its chainstate database: half of it, or a quarter
// plus 8 MiB, at most 8 MiB (so 8 MiB from a 16 MiB dbcache up). Memory does more as coins cache
// than as LevelDB's block cache: a hit there skips LevelDB altogether, and the system's page cache
// already keeps table files.
std::size_t utxo_db_cache_bytes(std::size_t dbcache_bytes);

// The UTXO database's LevelDB options for a cache share: half for the block cache, a quarter for
// each of the two write buffers; a 10-bit-per-key bloom filter, so looking up a coin that is not
// there (BIP30's check of every new output) reads no table block; tables uncompressed (keys and
// records are mostly hashes, which snappy cannot shrink); 32 MiB table files, so a mainnet-sized set
// stays within LevelDB's 1,000 open tables.
LevelDbTuning utxo_db_tuning(std::size_t cache_bytes);

class UtxoDb {
public:
  // Refuses a database of another network or format version.
  static std::expected<std::unique_ptr<UtxoDb>, std::string>
  open(const std::filesystem::path& dir, const consensus::ChainParams& params,
       const LevelDbTuning& tuning = utxo_db_tuning(utxo_db_cache_bytes(std::size_t{450} << 20)));
  ~UtxoDb();
  UtxoDb(const UtxoDb&) = delete;
  UtxoDb& operator=(const UtxoDb&) = delete;

  // The coin, nullopt when unspent-not-found; an error for a record that does not decode (a
  // corrupt database is reported, never read as "spent").
  std::expected<std::optional<consensus::Coin>, std::string> get(const wire::OutPoint& outpoint) const;
  // The coin's record as stored (consensus::decode_coin reads it), undecoded, into record; false
  // when there is none. Safe from several threads at once.
  std::expected<bool, std::string> get_record(const wire::OutPoint& outpoint, std::string& record) const;
  // Zero before the first batch (the set of no block, not even genesis: its coinbase is unspendable).
  const Hash256& best_block() const { return best_block_; }

  // Transactions in the chain up to the best block, genesis included (Core's nChainTx): what
  // progress estimates count in. 0 when unknown (a database written without it).
  std::uint64_t chain_tx() const { return chain_tx_; }
  // The changes and the new best block (with its chain transaction count, when known), atomically
  // and durably.
  std::expected<void, std::string> apply(const std::vector<CoinChange>& changes, const Hash256& best_block,
                                         std::uint64_t chain_tx = 0);

  // Changes gathered for write(): records (encode_coin's bytes) put, coins deleted.
  class Batch {
  public:
    Batch();
    ~Batch();
    void put(const wire::OutPoint& outpoint, ByteSpan record);
    void erase(const wire::OutPoint& outpoint);
    std::size_t bytes() const; // the batch's own size: what the write copies into LevelDB

  private:
    friend class UtxoDb;
    std::unique_ptr<leveldb::WriteBatch> batch_;
  };
  // The batch and the new best block, atomically and durably; the batch is spent either way.
  std::expected<void, std::string> write(Batch& batch, const Hash256& best_block, std::uint64_t chain_tx = 0);

  // A flush in parts: begin_flush marks the database as moving to `to` from its best block (a
  // marker already there for the same `to`, from a replay, is kept), write_part writes one part
  // (not fsynced: LevelDB's log keeps what a crash leaves a prefix), finish_flush writes the new
  // best block and erases the marker, durably. Each batch is spent either way.
  std::expected<void, std::string> begin_flush(const Hash256& to);
  std::expected<void, std::string> write_part(Batch& batch);
  std::expected<void, std::string> finish_flush(const Hash256& best_block, std::uint64_t chain_tx = 0);
  struct UnfinishedFlush {
    Hash256 to;
    Hash256 from; // zero: the database held no block's set yet
  };
  // Set when the database was left in the middle of a flush in parts.
  const std::optional<UnfinishedFlush>& unfinished_flush() const { return unfinished_; }

  // The base block of the UTXO snapshot this set was loaded from (sync/snapshot_load): blocks
  // below it were never connected here. Written before the load's last step, which makes it durable.
  const std::optional<Hash256>& snapshot_base() const { return snapshot_base_; }
  std::expected<void, std::string> set_snapshot_base(const Hash256& base);
  // Removes every coin and marker, durably: the database of no block (a snapshot load that failed
  // or was interrupted in the node's own chainstate).
  std::expected<void, std::string> wipe();

  // Every coin in key order, as Core's database cursor: txid bytes as stored, then the index's
  // VARINT bytes (not numeric order across VARINT lengths; utxo_stats sorts each txid's coins).
  std::expected<void, std::string>
  for_each(const std::function<void(const wire::OutPoint&, const consensus::Coin&)>& visit) const;

  std::uint64_t disk_bytes() const;
  // What LevelDB's block cache and write buffers may hold: their share of dbcache.
  std::size_t cache_bytes() const { return cache_bytes_; }

private:
  UtxoDb(LevelDb db, std::filesystem::path dir);
  LevelDb db_;
  std::filesystem::path dir_;
  std::expected<void, std::string> commit(leveldb::WriteBatch& batch, bool durable);
  // The new best block (and the flush marker's erasure) added to coins, written durably.
  std::expected<void, std::string> finish_flush(const Hash256& best_block, std::uint64_t chain_tx,
                                                std::unique_ptr<leveldb::WriteBatch> coins);
  Hash256 best_block_;
  std::uint64_t chain_tx_ = 0;
  std::size_t cache_bytes_ = 0;
  std::optional<UnfinishedFlush> unfinished_;
  std::optional<Hash256> snapshot_base_;
};

// The database holds no coin of any block: never written, or at genesis (whose coinbase is
// unspendable), with no flush under way. A snapshot may replace it.
bool holds_no_block(const UtxoDb& db, const consensus::ChainParams& params);

} // namespace peregrine::sync
