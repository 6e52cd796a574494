#include "sync/snapshot_load.hpp"

#include <fmt/format.h>

#include "sync/utxo_db.hpp"

namespace peregrine::sync {
namespace {

namespace fs = std::filesystem;
// Coins per part: about 16 MiB of LevelDB batch, as a chain flush's parts.
constexpr std::size_t kPartBytes = std::size_t{16} << 20;

} // namespace

std::expected<SnapshotLoad, std::string> load_utxo_snapshot(SnapshotReader& reader, const SnapshotExpectation& expect,
                                                            UtxoDb& db) {
  const SnapshotHeader& header = reader.header();
  if (header.base_block != expect.base_block)
    return std::unexpected(fmt::format("the snapshot is of block {}, not {}", header.base_block.to_hex(),
                                       expect.base_block.to_hex()));
  if (header.base_height && *header.base_height != expect.base_height)
    return std::unexpected(fmt::format("the snapshot says its base block is at height {}, the headers say {}",
                                       *header.base_height, expect.base_height));
  reader.set_base_height(expect.base_height);
  if (auto m = db.set_snapshot_base(expect.base_block); !m) return std::unexpected(m.error());
  if (auto b = db.begin_flush(expect.base_block); !b) return std::unexpected(b.error());
  UtxoStatsAccumulator stats(false); // Core checks hash_serialized_3 only
  UtxoDb::Batch batch;
  for (;;) {
    auto next = reader.next();
    if (!next) return std::unexpected(next.error());
    if (!*next) break;
    stats.add((*next)->outpoint, (*next)->coin);
    batch.put((*next)->outpoint, consensus::encode_coin((*next)->coin));
    if (batch.bytes() >= kPartBytes)
      if (auto w = db.write_part(batch); !w) return std::unexpected(w.error()); // and empties it
  }
  auto s = stats.finish();
  if (!s) return std::unexpected(s.error());
  if (s->hash_serialized_3 != expect.hash_serialized)
    return std::unexpected(fmt::format("the snapshot's coins hash to {} (hash_serialized_3), not the {} expected for "
                                       "block {}: refused",
                                       s->hash_serialized_3.to_hex(), expect.hash_serialized.to_hex(),
                                       expect.base_block.to_hex()));
  if (auto w = db.write_part(batch); !w) return std::unexpected(w.error());
  if (auto f = db.finish_flush(expect.base_block, expect.chain_tx); !f) return std::unexpected(f.error());
  SnapshotLoad load;
  load.header = header;
  load.stats = *s;
  load.stats.best_block = expect.base_block;
  load.stats.height = static_cast<int>(expect.base_height);
  load.chunk_hashes = reader.chunk_hashes();
  load.root = chunk_merkle_root(load.chunk_hashes);
  return load;
}

std::expected<SnapshotLoad, std::string> load_utxo_snapshot(SnapshotReader& reader, const SnapshotExpectation& expect,
                                                            const consensus::ChainParams& params, const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) return std::unexpected(fmt::format("{} already exists", dir.string()));
  auto loaded = [&]() -> std::expected<SnapshotLoad, std::string> {
    auto db = UtxoDb::open(dir, params);
    if (!db) return std::unexpected(db.error());
    return load_utxo_snapshot(reader, expect, **db); // closed on return
  }();
  if (!loaded) fs::remove_all(dir, ec);
  return loaded;
}

} // namespace peregrine::sync
