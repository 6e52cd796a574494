#pragma once
// Header validation from a file against hashing alone: headers per second through the full check
// (hash, proof of work, every contextual rule) and, in the same run, raw double SHA-256 of the
// same 80-byte headers, the floor a header check cannot go below.
#include <filesystem>
#include <iosfwd>
#include <optional>

#include "consensus/network.hpp"

namespace peregrine::bench {

// Without a file: mainnet 0-10,236 from genesis and 80,001-100,000 on the retarget-boundary
// context, both from the shared data. With one: that file, from the network's genesis.
// False (after a message on err) if a file cannot be read or does not validate.
bool run_headers_bench(std::ostream& out, std::ostream& err,
                       const std::optional<std::filesystem::path>& file, consensus::Network network,
                       double seconds, bool json);

} // namespace peregrine::bench
