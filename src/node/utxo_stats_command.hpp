#pragma once
// `peregrine utxo-stats --datadir=D [--network=N]`: statistics of the datadir's UTXO set as
// Bitcoin Core's gettxoutsetinfo prints them (sync/utxo_stats.hpp), as JSON.
#include "node/cli.hpp"

namespace peregrine::node {

struct Context;

int run_utxo_stats_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
