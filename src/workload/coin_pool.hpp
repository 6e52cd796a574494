#pragma once
// The spendable coins of the chain being generated, kept small (16 bytes a coin, so 10 million
// coins take 160 MB) and split by age so that inputs can favour young coins as mainnet's do:
// a queue of the newest `young_window` coins in creation order, and an unordered set of the rest.
#include <cstdint>
#include <vector>

#include "workload/rng.hpp"
#include "workload/script_kind.hpp"

namespace peregrine::workload {

// An unspent output. Its txid is in the generator's table at `tx`; its script is rebuilt from the
// kind and (tx, vout), so no script bytes are stored.
struct PoolCoin {
  std::int64_t value = 0; // satoshis; -1 marks a spent coin left in the young queue
  std::uint32_t tx = 0;
  std::uint32_t vout_kind = 0; // vout << 8 | kind

  static PoolCoin make(std::int64_t value, std::uint32_t tx, std::uint32_t vout, ScriptKind kind) {
    return {value, tx, vout << 8 | static_cast<std::uint32_t>(kind)};
  }
  std::uint32_t vout() const { return vout_kind >> 8; }
  ScriptKind kind() const { return static_cast<ScriptKind>(vout_kind & 0xff); }
};
static_assert(sizeof(PoolCoin) == 16);

inline constexpr std::uint32_t kMaxVout = (1u << 24) - 1;

class CoinPool {
public:
  explicit CoinPool(std::uint64_t young_window) : window_(young_window) {}

  // Adds the newest coin; the oldest young coin moves to the old set once the window is full.
  void add(const PoolCoin& coin);

  std::uint64_t size() const { return old_.size() + young_live_; }
  std::uint64_t young_size() const { return young_live_; }

  // Removes and returns a coin chosen uniformly among the young ones (among all if none is young).
  PoolCoin take_young(Rng& rng);
  // Removes and returns a coin chosen uniformly among all. The pool must not be empty.
  PoolCoin take_any(Rng& rng);

  // Bytes held, for the memory report.
  std::uint64_t memory_bytes() const { return (young_.capacity() + old_.capacity()) * sizeof(PoolCoin); }

private:
  void compact_young();

  std::uint64_t window_;
  std::vector<PoolCoin> young_; // creation order from young_head_; spent ones stay as tombstones
  std::size_t young_head_ = 0;
  std::uint64_t young_live_ = 0;
  std::vector<PoolCoin> old_; // any order: spending swaps the last coin into the hole
};

} // namespace peregrine::workload
