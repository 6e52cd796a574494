#pragma once
// `peregrine import --network=N --datadir=D FILE...`: validates blocks from blk*.dat-framed files
// (magic, length, block) fully into the datadir, holding blocks whose parent has not been seen
// yet until it arrives (as Core's -loadblock), and prints a JSON summary.
#include <vector>

#include "node/cli.hpp"

namespace peregrine::node {

struct Context;

std::vector<OptionSpec> import_options();
int run_import_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
