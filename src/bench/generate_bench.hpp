#pragma once
// The workload generator's trivial (unsigned) regime against its floor: transactions per second
// of a whole chain generated in memory, on one thread and on every core, beside serializing and
// double-SHA-256 hashing the same transactions, measured in the same run.
#include <iosfwd>

namespace peregrine::bench {

// Generates a regtest chain of `blocks` full blocks (after the 100 the first coins need to mature)
// with the command's default shape; false only if generation fails.
bool run_generate_bench(std::ostream& out, std::ostream& err, unsigned threads, double seconds, bool json);

} // namespace peregrine::bench
