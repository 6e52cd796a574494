#pragma once
// `peregrine utxo-stats --datadir=D [--network=N]`: statistics of the datadir's UTXO set as
// Bitcoin Core's gettxoutsetinfo prints them (sync/utxo_stats.hpp), as JSON.
#include <expected>
#include <filesystem>
#include <string>

#include "consensus/chainparams.hpp"
#include "node/cli.hpp"
#include "util/hash256.hpp"

namespace peregrine::node {

struct Context;

int run_utxo_stats_command(const Context& ctx, const ParsedArgs& args);

// A block's height from the datadir's stored header tree; -1 when there is no header store (or it
// does not hold the block; a zero hash is no block), which prints as null.
std::expected<int, std::string> best_block_height(const std::filesystem::path& datadir,
                                                  const consensus::ChainParams& params, const Hash256& best_block);

} // namespace peregrine::node
