#pragma once
// The coins cache over the UTXO database (--dbcache): reads fill it, connecting blocks changes it
// in memory, and flush() writes every change with the new best block in one batch. A coin created
// and spent between two flushes (marked fresh: the database never had it) never reaches the disk,
// which is most coins during initial sync.
//
// Coins are kept as the database's records in a CoinTable (sync/coin_table.hpp): ~100 bytes per
// coin, measured by the allocator, which memory_usage() reports. Single-threaded: the chain thread
// owns it; helpers that read the database ahead of it hand their coins in through warm().
#include <chrono>
#include <cstddef>
#include <expected>
#include <optional>
#include <string>

#include "consensus/coin.hpp"
#include "sync/coin_table.hpp"
#include "sync/utxo_db.hpp"

namespace peregrine::sync {

class CoinsCache {
public:
  // A flush over part_bytes is written in parts of that size (Core's -dbbatchsize, 16 MiB).
  explicit CoinsCache(UtxoDb& db, std::size_t part_bytes = std::size_t{16} << 20);

  // Whether an unspent coin is at this outpoint (the cache, then the database); an error if the
  // database cannot be read or holds a record that does not decode. A coin found on disk is not
  // cached: the caller (BIP30) only asks about outputs that should not exist.
  std::expected<bool, std::string> have(const wire::OutPoint& outpoint);
  // The unspent coin at this outpoint, if any, changing nothing (not even the lookup counts): for
  // reports such as the RPC gettxout.
  std::expected<std::optional<consensus::Coin>, std::string> find(const wire::OutPoint& outpoint) const;
  // Whether the cache answers for this outpoint (a coin, or a spend not yet written) without the
  // database: what a prefetcher need not read.
  bool cached(const wire::OutPoint& outpoint) const { return table_.find(outpoint) != nullptr; }

  // A new coin. possible_overwrite: the database may hold one at this outpoint already (the two
  // historical duplicate coinbases), so it must not be treated as fresh. The value must be in
  // 0..MAX_MONEY (the database's record cannot hold others).
  void add(const wire::OutPoint& outpoint, const wire::TxOut& output, int height, bool coinbase,
           bool possible_overwrite = false);
  void add(const wire::OutPoint& outpoint, const consensus::Coin& coin, bool possible_overwrite = false) {
    add(outpoint, coin.output, coin.height, coin.coinbase, possible_overwrite);
  }
  // Spends the coin and returns it (undo data keeps it); nullopt if there was none.
  std::expected<std::optional<consensus::Coin>, std::string> spend(const wire::OutPoint& outpoint);

  // A coin read from the database by someone else (a prefetcher), kept clean (neither dirty nor
  // fresh) unless the cache has the outpoint already: the cache's own state is newer. The record
  // form is UtxoDb::get_record's, checked when the coin is spent.
  void warm(const wire::OutPoint& outpoint, const consensus::Coin& coin);
  void warm_record(const wire::OutPoint& outpoint, ByteSpan record);

  // What a flush leaves in memory: keep_clean (periodic flushes) keeps every coin, now clean, and
  // drops only the spent entries; empty (the cache is over its budget) drops everything.
  enum class Keep { clean, nothing };
  // Writes all changes and the best block in one synced batch. On an error nothing was written and
  // the cache is unchanged.
  std::expected<void, std::string> flush(const Hash256& best_block, std::uint64_t chain_tx = 0,
                                         Keep keep = Keep::nothing);

  std::size_t size() const { return table_.size(); }
  std::size_t dirty_count() const;
  // Bytes allocated for the cache (table, index, long records), as the allocator counts them.
  std::size_t memory_usage() const { return table_.memory_usage(); }
  // What the cache takes at its peak, when a flush orders its entries by key: what --dbcache bounds.
  std::size_t peak_usage() const { return memory_usage() + kFlushBytesPerEntry * size(); }
  static constexpr std::size_t kFlushBytesPerEntry = 8;

  // Lookups since construction, for the bottleneck report: answered from memory, or read from disk.
  struct Lookups {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::chrono::nanoseconds miss_time{0}; // in the database reads
  };
  const Lookups& lookups() const { return lookups_; }

private:
  // The database's record at outpoint into record_; false if there is none. Counts a miss.
  std::expected<bool, std::string> read(const wire::OutPoint& outpoint);
  // Sets a new coin's record and flags, in a new entry or over an old one.
  void put(const wire::OutPoint& outpoint, ByteSpan record, bool possible_overwrite);

  UtxoDb& db_;
  std::size_t part_bytes_;
  CoinTable table_;
  Lookups lookups_;
  Bytes scratch_;      // encoding a coin
  std::string record_; // reading one
};

} // namespace peregrine::sync
