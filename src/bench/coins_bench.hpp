#pragma once
// The coins cache's costs with a set of N coins of today's script mix: bytes per cached coin (as
// the allocator counts them), lookups that hit and miss, adds, spends and flushes. Each figure has
// a baseline measured in the same run: the cache's previous layout (a std::unordered_map of Coin
// objects) for memory and in-memory work, LevelDB itself (a Get of the same key, on a database
// with LevelDB's default options where the figure is about those) for work on disk.
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <random>

#include "util/bytes.hpp"

namespace peregrine::bench {

struct CoinsBenchOptions {
  std::size_t coins = 1'000'000;
  std::size_t disk_lookups = 200'000; // miss phases: keys read from disk
  double seconds = 2;                 // per repeated phase (lookups that hit)
  std::filesystem::path scratch;      // the databases are made, and removed, inside
  bool json = false;
};

// A script of today's output mix, roughly: P2WPKH, P2PKH, P2TR, P2SH, P2WSH.
Bytes standard_script(std::mt19937_64& rng);

// False (after a message on err) if a database cannot be made or written.
bool run_coins_bench(std::ostream& out, std::ostream& err, const CoinsBenchOptions& options);

} // namespace peregrine::bench
