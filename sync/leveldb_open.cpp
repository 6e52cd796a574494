#include "sync/leveldb_open.hpp"

#include <cstring>

#include <fmt/format.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>

#include "sync/leveldb_env.hpp"

namespace peregrine::sync {

LevelDb::LevelDb() = default;
LevelDb::LevelDb(LevelDb&&) noexcept = default;
LevelDb& LevelDb::operator=(LevelDb&&) noexcept = default;
LevelDb::~LevelDb() {
  db.reset(); // before the cache and filter it uses, whatever the members' order
}

std::expected<LevelDb, std::string> open_leveldb(const std::filesystem::path& dir, std::string_view what,
                                                 const consensus::ChainParams& params, std::uint32_t format_version,
                                                 const LevelDbTuning& tuning) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  LevelDb opened;
  if (tuning.block_cache_bytes != 0) {
    opened.cache.reset(leveldb::NewLRUCache(tuning.block_cache_bytes));
    options.block_cache = opened.cache.get();
  }
  if (tuning.bloom_bits_per_key != 0) {
    opened.filter.reset(leveldb::NewBloomFilterPolicy(tuning.bloom_bits_per_key));
    options.filter_policy = opened.filter.get();
  }
  if (tuning.write_buffer_bytes != 0) options.write_buffer_size = tuning.write_buffer_bytes;
  if (tuning.max_file_bytes != 0) options.max_file_size = tuning.max_file_bytes;
  if (!tuning.compress) options.compression = leveldb::kNoCompression;
  options.env = pread_env(); // reads with pread, writes through util/file_io (the fault plan reaches them)
  leveldb::DB* raw = nullptr;
  leveldb::Status status = leveldb::DB::Open(options, dir.string(), &raw);
  if (!status.ok()) return std::unexpected(leveldb_error("cannot open", what, dir, status));
  opened.db.reset(raw);
  leveldb::DB* db = raw;

  // "M": format version (LE uint32) and the genesis hash of the network the data belongs to.
  std::string expected(4 + 32, '\0');
  for (int i = 0; i < 4; ++i) expected[i] = static_cast<char>(format_version >> (8 * i));
  std::memcpy(expected.data() + 4, params.genesis_hash.bytes.data(), 32);
  std::string meta;
  status = db->Get(leveldb::ReadOptions(), "M", &meta);
  if (status.IsNotFound()) {
    leveldb::WriteOptions durable;
    durable.sync = true;
    status = db->Put(durable, "M", expected);
    if (!status.ok()) return std::unexpected(leveldb_error("cannot write", what, dir, status));
  } else if (!status.ok()) {
    return std::unexpected(leveldb_error("cannot read", what, dir, status));
  } else if (meta != expected) {
    return std::unexpected(fmt::format("{} {} belongs to another network or format version", what, dir.string()));
  }
  return opened;
}

std::string recovery_hint(std::string_view what) {
  const bool utxo = what == "UTXO database";
  return fmt::format("the {} is damaged: `peregrine sync --reindex{}` (with the same --network and --datadir) "
                     "rebuilds {} from the block files",
                     what, utxo ? "-chainstate" : "", utxo ? "the UTXO set" : "the block index and the UTXO set");
}

std::string leveldb_error(std::string_view action, std::string_view what, const std::filesystem::path& dir,
                          const leveldb::Status& status) {
  std::string text = fmt::format("{} the {} {}: {}", action, what, dir.string(), status.ToString());
  if (status.IsCorruption()) text += "; " + recovery_hint(what);
  return text;
}

} // namespace peregrine::sync
