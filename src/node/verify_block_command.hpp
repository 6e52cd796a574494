#pragma once
// `peregrine verify-block BLOCK --spent SPENT.json [--flags auto|LIST] [--threads N]`: runs every
// script of a block against the outputs its inputs spend, plus the transaction rules those
// outputs allow checking, and prints a JSON summary.
#include <vector>

#include "node/cli.hpp"

namespace peregrine::node {

struct Context;

std::vector<OptionSpec> verify_block_options();
int run_verify_block_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
