#pragma once
// Where the chain thread's time goes while connecting blocks: the figures of the IBD bottleneck
// report (doc/sync.md explains each). Wall time on the chain thread, except script_cpu, which is
// spent on the script pool while the chain thread goes on.
#include <chrono>
#include <cstdint>

#include "util/hash256.hpp"

namespace peregrine::sync {

struct ChainTimings {
  using ns = std::chrono::nanoseconds;
  ns block_write{0};  // storing received blocks (blk files, header records)
  ns block_check{0};  // rules that need no coins, and the coin rules other than scripts
  ns coins_hit{0};    // coin lookups answered by the cache, and applying the block to the cache
  ns coins_miss{0};   // coin lookups that read the UTXO database
  ns script_wait{0};  // waiting for a block's script verdict
  ns undo_write{0};   // undo data and header records of connected blocks
  ns utxo_flush{0};   // writing the coins cache to the UTXO database (with fsyncs)
  ns script_cpu{0};   // script checks on the pool (overlaps the rest)
  std::uint64_t coin_hits = 0;
  std::uint64_t coin_misses = 0;
  std::uint64_t bip30_probes = 0; // of coin_misses: new outputs checked absent (BIP30), the bloom filter's work
};

// One connected block, for --trace: its size and each stage's share of its connection.
struct BlockTrace {
  int height = 0;
  Hash256 hash;
  std::uint64_t bytes = 0;
  std::uint64_t txs = 0;
  std::uint64_t inputs = 0;
  std::uint64_t coin_hits = 0;
  std::uint64_t coin_misses = 0;
  std::uint64_t bip30_probes = 0;
  ChainTimings::ns block_check{0};
  ChainTimings::ns coins_hit{0};
  ChainTimings::ns coins_miss{0};
  ChainTimings::ns script_cpu{0};
  ChainTimings::ns script_wait{0};
  ChainTimings::ns undo_write{0};
  ChainTimings::ns utxo_flush{0}; // a flush that ran right after this block
};

} // namespace peregrine::sync
