#pragma once
// Statistics of the UTXO set as Bitcoin Core's gettxoutsetinfo reports them, so a datadir can be
// compared with another node's: counts, total amount, hash_serialized_3 and muhash.
#include <cstdint>
#include <expected>
#include <string>

#include <vector>

#include "consensus/coin.hpp"
#include "crypto/muhash.hpp"
#include "crypto/sha256.hpp"
#include "sync/utxo_db.hpp"
#include "util/hash256.hpp"
#include "util/json.hpp"

namespace peregrine::sync {

struct UtxoStats {
  int height = -1;                // the best block's height: the caller knows it (-1: unknown, null in JSON)
  Hash256 best_block;             // zero: the set of no block yet (null in JSON)
  std::uint64_t transactions = 0; // txids with at least one unspent output
  std::uint64_t txouts = 0;
  std::uint64_t bogosize = 0;     // Core's database-independent size: 50 + script bytes per coin
  std::int64_t total_amount = 0;  // satoshis
  // SHA-256d over every coin's TxOutSer (consensus::write_coin_for_hash) in Core's order: txid
  // bytes as stored, then the output index numerically. Nothing is prepended (the older
  // hash_serialized_2 began with the best-block hash; Core's hash_serialized_3 does not).
  Hash256 hash_serialized_3;
  Hash256 muhash;                 // MuHash3072 of the same per-coin bytes
  std::uint64_t disk_bytes = 0;   // the database's files (Core estimates its key range instead)
};

// Folds coins, given in the database's key order, into the statistics (no height, block or disk
// size: the caller knows those). The keys put index 20,000 before index 300 (Core's VARINT does
// not sort numerically across lengths, and Core's keys are the same), but Core hashes a txid's
// outputs in numeric order: so each txid's coins are serialized into an arena as they come and
// hashed sorted once the txid changes. Snapshot files come in the same order.
class UtxoStatsAccumulator {
public:
  // MuHash costs about as much as everything else together: those who need only
  // hash_serialized_3 (a snapshot's dump and load, as Core's) leave it out (muhash stays zero).
  explicit UtxoStatsAccumulator(bool with_muhash = true) : with_muhash_(with_muhash) {}
  void add(const wire::OutPoint& outpoint, const consensus::Coin& coin);
  // An error when the total amount overflows.
  std::expected<UtxoStats, std::string> finish();

private:
  struct Pending {
    std::uint32_t index;
    std::size_t offset;
    std::size_t size;
  };
  void flush();

  bool with_muhash_;
  UtxoStats stats_;
  bool overflow_ = false;
  Hash256 txid_;
  std::vector<Pending> pending_;
  Bytes arena_;
  crypto::Sha256 sha_;
  crypto::MuHash3072 muhash_;
};

// One pass over the database. An error for a record that does not decode or a total that
// overflows (neither can come from a database we wrote correctly).
std::expected<UtxoStats, std::string> compute_utxo_stats(const UtxoDb& db);

// gettxoutsetinfo's field names and forms: hashes in display order, total_amount in BTC with 8
// decimals, disk_size.
util::json::Value to_json(const UtxoStats& stats);

// An amount in satoshis as Core's ValueFromAmount writes it: "-1.50000000".
std::string format_btc(std::int64_t satoshis);

} // namespace peregrine::sync
