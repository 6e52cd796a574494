#pragma once
// The chain state's command-line options, shared by every command that validates blocks (import,
// sync): --dbcache, --par, --assumevalid, --script-lookahead, --prune.
#include <expected>
#include <vector>

#include "node/cli.hpp"
#include "sync/chain_state.hpp"

namespace peregrine::node {

std::vector<OptionSpec> chain_options();
std::expected<sync::ChainStateOptions, UsageError> parse_chain_options(const ParsedArgs& args);

} // namespace peregrine::node
