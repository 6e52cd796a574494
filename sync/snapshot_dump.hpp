#pragma once
// Writes the UTXO database's set as a Bitcoin Core snapshot file (sync/snapshot_format), as Core's
// dumptxoutset does: into PATH.incomplete, fsynced, then renamed to PATH (which must not exist) and
// the directory fsynced, so a crash leaves no file at PATH or the whole of it. The statistics and
// the chunk root of what was written come out of the same pass.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sync/snapshot_format.hpp"
#include "sync/utxo_db.hpp"
#include "sync/utxo_stats.hpp"

namespace peregrine::sync {

struct SnapshotDump {
  SnapshotHeader header;
  std::uint64_t bytes = 0;
  std::vector<Hash256> chunk_hashes;
  Hash256 root;
  UtxoStats stats; // of the coins written: hash_serialized_3 and counts (no muhash)
};

// version 2 writes Core v31's file; version 3 the draft's, with base_height.
std::expected<SnapshotDump, std::string> dump_utxo_snapshot(const UtxoDb& db, const wire::Magic& network_magic,
                                                            std::uint16_t version, std::uint32_t base_height,
                                                            const std::filesystem::path& path);

// PATH.incomplete: where a dump is written before it is complete.
std::filesystem::path incomplete_snapshot_path(const std::filesystem::path& path);

} // namespace peregrine::sync
