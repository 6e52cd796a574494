#pragma once
// `peregrine generate DIR --blocks=N [...]`: writes a valid regtest chain shaped by the options
// (block fullness, inputs and outputs per transaction, young or old coins, script kinds) into
// DIR/blk00000.dat, ... for `peregrine import`, and prints a JSON summary. See doc/workload.md.
#include <vector>

#include "node/cli.hpp"

namespace peregrine::node {

struct Context;

std::vector<OptionSpec> generate_options();
int run_generate_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
