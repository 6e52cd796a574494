#pragma once
// Block import from a blk-framed file against reading and decoding it: the whole hot path
// (header and block rules, scripts, UTXO cache, LevelDB flush, block and undo writes) through
// sync::ChainState into a fresh temporary datadir, run several times, and in the same run the floor
// any importer pays: read the file, frame the records, decode every block, hash it and its txids.
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>

#include "consensus/network.hpp"
#include "util/hash256.hpp"

namespace peregrine::bench {

struct ImportBenchOptions {
  std::filesystem::path file;
  consensus::Network network = consensus::Network::testnet3;
  std::filesystem::path scratch;  // each run's datadir is made, and removed, inside
  std::size_t dbcache_bytes = std::size_t{450} << 20;
  unsigned threads = 0;           // script-check threads; 0: one per core
  std::optional<Hash256> assumevalid; // nullopt: every script is checked
  unsigned runs = 3;
  double seconds = 2;             // measuring the read+decode floor
  bool json = false;
};

// The shared data's chain file for main, testnet3 or regtest; nullopt for other networks.
std::optional<std::filesystem::path> default_import_file(consensus::Network network);

// False (after a message on err) if the file cannot be read, is not a chain from genesis in order,
// or an import run fails, meets an invalid block or ends below the file's height.
bool run_import_bench(std::ostream& out, std::ostream& err, const ImportBenchOptions& options);

} // namespace peregrine::bench
