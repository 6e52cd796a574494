#pragma once
// `peregrine sync`: initial block download from the P2P network, then following the chain.
#include <vector>

#include "node/cli.hpp"

namespace peregrine::node {

struct Context;

std::vector<OptionSpec> sync_options();
int run_sync_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
