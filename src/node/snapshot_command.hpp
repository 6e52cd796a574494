#pragma once
// UTXO snapshot files in Bitcoin Core's format (sync/snapshot_format.hpp):
//   `peregrine dumptxoutset FILE` writes a stopped datadir's UTXO set as Core's dumptxoutset does;
//   `peregrine snapshot-info FILE` reads a snapshot through, checking every coin, and prints its
//   header, statistics (hash_serialized_3, muhash) and chunk root, and whether the chain
//   parameters vouch for it.
#include <filesystem>
#include <vector>

#include "node/cli.hpp"
#include "sync/snapshot_dump.hpp"
#include "util/json.hpp"

namespace peregrine::node {

struct Context;

const std::vector<OptionSpec>& dumptxoutset_options();
int run_dumptxoutset_command(const Context& ctx, const ParsedArgs& args);
int run_snapshot_info_command(const Context& ctx, const ParsedArgs& args);

// Core's dumptxoutset result (coins_written, base_hash, base_height, path, txoutset_hash, nchaintx)
// and ours beside it (the format version, bytes, chunks, chunk root, muhash).
util::json::Value dump_result_json(const sync::SnapshotDump& dump, const std::filesystem::path& path,
                                   std::uint64_t chain_tx);

} // namespace peregrine::node
