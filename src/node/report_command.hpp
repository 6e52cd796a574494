#pragma once
// `peregrine report TRACE.csv [--output=FILE] [--points=N]`: draws a --trace file (doc/sync.md)
// as one self-contained HTML page with SVG charts and the bottleneck summary (doc/report.md).
#include <vector>

#include "node/cli.hpp"

namespace peregrine::node {

struct Context;

const std::vector<OptionSpec>& report_options();
int run_report_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
