#pragma once
// The peer layer on loopback: ping/pong and 1 MB block throughput through one connection, memory
// per idle peer, and a ping's latency while 4 MB blocks are being sent (the scheduler's priority
// check), each beside raw loopback TCP measured in the same run.
#include <filesystem>
#include <iosfwd>

namespace peregrine::bench {

bool run_p2p_bench(std::ostream& out, std::ostream& err, const std::filesystem::path& block_file,
                   double seconds, bool json);

} // namespace peregrine::bench
