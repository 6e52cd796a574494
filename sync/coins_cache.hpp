#pragma once
// The coins cache over the UTXO database (--dbcache): reads fill it, connecting blocks changes it
// in memory, and flush() writes every change with the new best block in one batch, then empties
// it. A coin created and spent between two flushes (marked fresh: the database never had it)
// never reaches the disk, which is most coins during initial sync.
#include <chrono>
#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <unordered_map>

#include "consensus/coin.hpp"
#include "crypto/siphash.hpp"
#include "sync/utxo_db.hpp"

namespace peregrine::sync {

class CoinsCache {
public:
  explicit CoinsCache(UtxoDb& db);

  // The unspent coin at this outpoint (null if there is none); an error if the database is corrupt.
  std::expected<const consensus::Coin*, std::string> fetch(const wire::OutPoint& outpoint);
  // A new coin. possible_overwrite: the database may hold one at this outpoint already (the two
  // historical duplicate coinbases), so it must not be treated as fresh.
  void add(const wire::OutPoint& outpoint, consensus::Coin coin, bool possible_overwrite = false);
  // Whether the cache can answer for this outpoint without the database (a coin, or a spend not
  // written yet).
  bool contains(const wire::OutPoint& outpoint) const { return entries_.contains(outpoint); }
  // A coin read from the database ahead of time (CoinPrefetcher), cached as clean where the cache
  // has nothing for the outpoint. Returns whether it went in.
  bool warm(const wire::OutPoint& outpoint, consensus::Coin coin);
  // Spends the coin and returns it (undo data keeps it); nullopt if there was none.
  std::expected<std::optional<consensus::Coin>, std::string> spend(const wire::OutPoint& outpoint);

  // Writes all changes and the best block atomically, then empties the cache.
  std::expected<void, std::string> flush(const Hash256& best_block, std::uint64_t chain_tx = 0);
  std::size_t size() const { return entries_.size(); }
  std::size_t dirty_count() const;
  std::size_t memory_usage() const { return memory_; }

  // Lookups since construction, for the bottleneck report: answered from memory, or read from disk.
  struct Lookups {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::chrono::nanoseconds miss_time{0}; // in the database reads
  };
  const Lookups& lookups() const { return lookups_; }

private:
  struct Entry {
    std::optional<consensus::Coin> coin; // nullopt: spent here, not yet deleted on disk
    bool dirty = false;                  // differs from the database
    bool fresh = false;                  // the database has no coin here
  };
  struct Hasher {
    crypto::SipKey key;
    std::size_t operator()(const wire::OutPoint& o) const;
  };
  static std::size_t entry_bytes(const Entry& e);
  Entry& insert(const wire::OutPoint& outpoint, Entry entry);

  UtxoDb& db_;
  std::unordered_map<wire::OutPoint, Entry, Hasher> entries_;
  std::size_t memory_ = 0;
  Lookups lookups_;
};

} // namespace peregrine::sync
