#pragma once
// `peregrine bench NAME`: command-line glue for the benchmarks in src/bench.
#include <vector>

#include "node/cli.hpp"

namespace peregrine::node {

struct Context;

std::vector<OptionSpec> bench_options();
int run_bench_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
