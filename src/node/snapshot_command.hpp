#pragma once
// UTXO snapshot files in Bitcoin Core's format (sync/snapshot_format.hpp):
//   `peregrine dumptxoutset FILE` writes a stopped datadir's UTXO set as Core's dumptxoutset does;
//   `peregrine loadtxoutset FILE` makes a snapshot the UTXO set of a datadir that holds its base
//   block's header and no UTXO set yet, once its hash matches the chain parameters' (or, on regtest
//   and signet, --snapshot-hash);
//   `peregrine snapshot-info FILE` reads a snapshot through, checking every coin, and prints its
//   header, statistics (hash_serialized_3, muhash) and chunk root, and whether the chain
//   parameters vouch for it.
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "consensus/chainparams.hpp"
#include "node/cli.hpp"
#include "sync/header_tree.hpp"
#include "sync/snapshot_dump.hpp"
#include "sync/snapshot_load.hpp"
#include "util/json.hpp"

namespace peregrine::node {

struct Context;

const std::vector<OptionSpec>& dumptxoutset_options();
int run_dumptxoutset_command(const Context& ctx, const ParsedArgs& args);
int run_snapshot_info_command(const Context& ctx, const ParsedArgs& args);
const std::vector<OptionSpec>& loadtxoutset_options();
int run_loadtxoutset_command(const Context& ctx, const ParsedArgs& args);

// --snapshot-hash (regtest and signet only).
std::expected<std::optional<Hash256>, UsageError> parse_snapshot_hash(const ParsedArgs& args, consensus::Network network);
// The base block a snapshot file names (its header read and checked against the network).
std::expected<Hash256, std::string> snapshot_base_block(const std::filesystem::path& file,
                                                        const consensus::ChainParams& params);
// What a snapshot of `base` must hash to: the chain parameters' assumeutxo entry for it, else
// given_hash (--snapshot-hash), else an error saying so.
std::expected<sync::SnapshotExpectation, std::string> snapshot_expectation(const consensus::ChainParams& params,
                                                                           const sync::HeaderEntry& base,
                                                                           const std::optional<Hash256>& given_hash);
// loadtxoutset on a datadir (locked meanwhile): the file read into a new chainstate and checked
// against the chain parameters' hash (or given_hash), which then replaces the empty one. The
// result is Core's (coins_loaded, tip_hash, base_height, path) and ours.
std::expected<util::json::Value, std::string> load_snapshot_into(const std::filesystem::path& datadir,
                                                                 const consensus::ChainParams& params,
                                                                 const std::filesystem::path& file,
                                                                 const std::optional<Hash256>& given_hash);

// Core's dumptxoutset result (coins_written, base_hash, base_height, path, txoutset_hash, nchaintx)
// and ours beside it (the format version, bytes, chunks, chunk root, muhash).
util::json::Value dump_result_json(const sync::SnapshotDump& dump, const std::filesystem::path& path,
                                   std::uint64_t chain_tx);

} // namespace peregrine::node
