#pragma once
// `peregrine bench header-tree`: the header tree's cost per stored header — accept rate (every
// rule plus insertion) against a plain hash-map insert of the same headers, memory per 100,000
// headers against their 80 raw bytes each, and the LevelDB store's write and reload times.
#include <ostream>

namespace peregrine::bench {

bool run_header_tree_bench(std::ostream& out, std::ostream& err, int headers);

} // namespace peregrine::bench
