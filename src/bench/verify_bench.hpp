#pragma once
// Script verification of one real block against libsecp256k1's own speed: inputs per second on
// one thread and on N, and in the same run the raw secp256k1_ecdsa_verify rate on one core over
// the block's own signatures, keys and messages, parsed beforehand.
#include <filesystem>
#include <iosfwd>

namespace peregrine::bench {

// Mainnet block 367,891 and its spent outputs in the shared data.
std::filesystem::path default_verify_block();
std::filesystem::path default_verify_spent();

// False (after a message on err) if the files cannot be read or the block does not verify.
bool run_verify_bench(std::ostream& out, std::ostream& err, const std::filesystem::path& block_file,
                      const std::filesystem::path& spent_file, unsigned threads, double seconds,
                      bool json);

} // namespace peregrine::bench
