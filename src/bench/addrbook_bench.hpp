#pragma once
// Address book costs with a large book (100,000 addresses offered by default): insert, outbound
// selection, getaddr samples, and the peers file's size, save and load times, each against a
// baseline measured in the same run (a std::unordered_map insert of the same keys).
#include <cstddef>
#include <iosfwd>

namespace peregrine::bench {

// Prints the figures to out (a table, or one JSON object); false (with a reason on err) if the
// scratch directory for the peers file cannot be used.
bool run_addrbook_bench(std::ostream& out, std::ostream& err, double seconds, bool json,
                        std::size_t addresses = 100'000);

} // namespace peregrine::bench
