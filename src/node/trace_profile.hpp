#pragma once
// The bottleneck report's totals (sync/ibd_profile.hpp) as far as a --trace file gives them, so
// `peregrine report` prints the same summary `sync` and `import` print at exit. A trace times the
// chain thread's per-block stages and the blocks' decoding; it does not hold the chain thread's
// waits, block writes and bookkeeping (shown as one "not traced" stage, counted as idle so
// the verdict weighs only measured work), nor the feeder's network waits and other work.
#include "node/trace_csv.hpp"
#include "sync/ibd_profile.hpp"

namespace peregrine::node {

sync::ProfileTotals profile_from_trace(const TraceSummary& trace);

} // namespace peregrine::node
