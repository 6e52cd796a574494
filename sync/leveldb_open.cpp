#include "sync/leveldb_open.hpp"

#include <cstring>

#include <fmt/format.h>
#include <leveldb/db.h>

namespace peregrine::sync {

std::expected<std::unique_ptr<leveldb::DB>, std::string>
open_leveldb(const std::filesystem::path& dir, std::string_view what, const consensus::ChainParams& params,
             std::uint32_t format_version) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status status = leveldb::DB::Open(options, dir.string(), &raw);
  if (!status.ok()) return std::unexpected(fmt::format("cannot open the {} {}: {}", what, dir.string(), status.ToString()));
  std::unique_ptr<leveldb::DB> db(raw);

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
    if (!status.ok()) return std::unexpected(fmt::format("cannot write the {}: {}", what, status.ToString()));
  } else if (!status.ok()) {
    return std::unexpected(fmt::format("cannot read the {}: {}", what, status.ToString()));
  } else if (meta != expected) {
    return std::unexpected(fmt::format("{} {} belongs to another network or format version", what, dir.string()));
  }
  return db;
}

} // namespace peregrine::sync
