#include "workload/coin_pool.hpp"

#include <utility>

namespace peregrine::workload {

void CoinPool::add(const PoolCoin& coin) {
  young_.push_back(coin);
  ++young_live_;
  while (young_live_ > window_) {
    const PoolCoin& oldest = young_[young_head_++];
    if (oldest.value < 0) continue;
    old_.push_back(oldest);
    --young_live_;
  }
  // Dropping the consumed front now and then keeps the queue's memory at the window's size.
  if (young_head_ > young_.size() / 2 && young_head_ > 4096) compact_young();
}

PoolCoin CoinPool::take_young(Rng& rng) {
  if (young_live_ == 0) return take_any(rng);
  // Rejection sampling over the queue; compaction keeps tombstones under half of it, so the
  // expected number of draws stays below two.
  const std::size_t span = young_.size() - young_head_;
  while (true) {
    PoolCoin& slot = young_[young_head_ + rng.below(span)];
    if (slot.value < 0) continue;
    const PoolCoin coin = std::exchange(slot, PoolCoin{-1, 0, 0});
    --young_live_;
    if (young_.size() - young_head_ > 2 * young_live_ + 64) compact_young();
    return coin;
  }
}

PoolCoin CoinPool::take_any(Rng& rng) {
  const std::uint64_t pick = rng.below(size());
  if (pick >= old_.size()) return take_young(rng);
  const PoolCoin coin = old_[pick];
  old_[pick] = old_.back();
  old_.pop_back();
  return coin;
}

void CoinPool::compact_young() {
  std::size_t out = 0;
  for (std::size_t i = young_head_; i < young_.size(); ++i)
    if (young_[i].value >= 0) young_[out++] = young_[i];
  young_.resize(out);
  young_head_ = 0;
}

} // namespace peregrine::workload
