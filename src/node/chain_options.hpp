#pragma once
// The chain state's command-line options, shared by every command that validates blocks (import,
// sync): --dbcache, --par, --assumevalid, --script-lookahead, --prune.
#include <expected>
#include <vector>

#include "consensus/network.hpp"
#include "node/cli.hpp"
#include "sync/chain_state.hpp"

namespace peregrine::node {

std::vector<OptionSpec> chain_options();
std::expected<sync::ChainStateOptions, UsageError> parse_chain_options(const ParsedArgs& args);
// The blk/rev file size: 128 MiB as Core, or with --fastprune (regtest only, Core's -fastprune)
// 64 KiB, so tests can prune a small chain.
std::expected<std::uint32_t, UsageError> parse_block_file_size(const ParsedArgs& args, consensus::Network network);

} // namespace peregrine::node
