#pragma once
// Block decoding against memcpy: deserialization, txids and merkle root of one real block.
#include <filesystem>
#include <iosfwd>

namespace peregrine::bench {

// Mainnet block 413,567 (Bitcoin Core's benchmark block) in the shared data, if it is there.
std::filesystem::path default_decode_block();

// Prints the figures to out (a table, or one JSON object); false if the file is not a block.
bool run_decode_bench(std::ostream& out, std::ostream& err, const std::filesystem::path& block_file,
                      double seconds, bool json);

} // namespace peregrine::bench
