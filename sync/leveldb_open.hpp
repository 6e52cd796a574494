#pragma once
// Opening one of our LevelDB databases: create the folder, open (with paranoid checks, so a
// corrupt file is an error now rather than missing data later), and check the meta record that
// names the network (genesis hash) and format version, writing it on first use.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "consensus/chainparams.hpp"

namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
class Status;
} // namespace leveldb

namespace peregrine::sync {

// How a database uses memory and disk; zeros keep LevelDB's defaults (8 MiB block cache, 4 MiB
// write buffer, 2 MiB table files, no filter, snappy).
struct LevelDbTuning {
  std::size_t block_cache_bytes = 0;
  std::size_t write_buffer_bytes = 0; // up to two are held at once (one being written to disk)
  std::size_t max_file_bytes = 0;
  int bloom_bits_per_key = 0; // a lookup of an absent key skips each table whose filter says no
  bool compress = true;
};

// The database with the cache and filter its options point to; the database closes first.
struct LevelDb {
  std::unique_ptr<const leveldb::FilterPolicy> filter;
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<leveldb::DB> db;

  LevelDb();
  LevelDb(LevelDb&&) noexcept;
  LevelDb& operator=(LevelDb&&) noexcept;
  ~LevelDb();
};

// what: "header store", "UTXO database", for the messages.
std::expected<LevelDb, std::string> open_leveldb(const std::filesystem::path& dir, std::string_view what,
                                                 const consensus::ChainParams& params, std::uint32_t format_version,
                                                 const LevelDbTuning& tuning = {});

// A failed LevelDB call as the operator reads it: "ACTION the WHAT DIR: STATUS". A corrupt file adds
// the command that rebuilds the database (recovery_command).
std::string leveldb_error(std::string_view action, std::string_view what, const std::filesystem::path& dir,
                          const leveldb::Status& status);
// What to run when WHAT is damaged: `peregrine sync --reindex-chainstate` for the UTXO database
// (rebuilt from the block files), `peregrine sync --reindex` for anything else.
std::string recovery_hint(std::string_view what);

} // namespace peregrine::sync
