#pragma once
// Loads a UTXO snapshot file (sync/snapshot_format) into a new coins database, as Core's
// loadtxoutset does before it trusts one: every coin checked as it is read, and the set's
// hash_serialized_3 compared with the value the caller trusts (the chain parameters' assumeutxo
// entry) before the database names the base block as its best block. The coins go in as a flush
// in parts (sync/utxo_db.hpp): until the last step the database names no block, and the caller
// builds it in a directory of its own, so a failure or a crash never leaves a set that looks
// loaded.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "consensus/chainparams.hpp"
#include "sync/snapshot_format.hpp"
#include "sync/utxo_stats.hpp"

namespace peregrine::sync {

struct SnapshotExpectation {
  Hash256 base_block;
  std::uint32_t base_height = 0;
  Hash256 hash_serialized;     // what the set must hash to
  std::uint64_t chain_tx = 0;  // Core's nChainTx at the base (0: unknown)
};

struct SnapshotLoad {
  SnapshotHeader header;
  UtxoStats stats;
  std::vector<Hash256> chunk_hashes;
  Hash256 root;
};

class UtxoDb;

// Reads the snapshot into `db`, which must hold no block: the snapshot marker first, then the
// coins as a flush in parts toward the base, then (the hash matched) the base as best block. On an
// error the database is left part-written: the caller wipes it (UtxoDb::wipe); after a crash the
// marker and the unfinished flush toward the same block say what happened (ChainState::init).
std::expected<SnapshotLoad, std::string> load_utxo_snapshot(SnapshotReader& reader, const SnapshotExpectation& expect,
                                                            UtxoDb& db);

// The same into a new database at `dir`, which must not exist. On any error the directory is removed.
std::expected<SnapshotLoad, std::string> load_utxo_snapshot(SnapshotReader& reader, const SnapshotExpectation& expect,
                                                            const consensus::ChainParams& params,
                                                            const std::filesystem::path& dir);

} // namespace peregrine::sync
