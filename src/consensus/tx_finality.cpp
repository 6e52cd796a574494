#include "consensus/tx_finality.hpp"

#include <algorithm>
#include <array>

namespace peregrine::consensus {

std::int64_t median_time_past(std::span<const std::int64_t> last_block_times) {
  if (last_block_times.empty()) return 0;
  std::array<std::int64_t, 11> times{};
  const std::size_t n = std::min<std::size_t>(last_block_times.size(), times.size());
  std::copy(last_block_times.end() - static_cast<std::ptrdiff_t>(n), last_block_times.end(),
            times.begin());
  std::sort(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(n));
  return times[n / 2];
}

bool is_final_tx(const wire::Transaction& tx, int block_height, std::int64_t lock_time_cutoff) {
  const std::int64_t lock_time = tx.lock_time;
  if (lock_time == 0) return true;
  if (lock_time < (lock_time < kLockTimeThreshold ? std::int64_t{block_height} : lock_time_cutoff))
    return true;
  return std::all_of(tx.inputs.begin(), tx.inputs.end(),
                     [](const wire::TxIn& in) { return in.sequence == kSequenceFinal; });
}

SequenceLocks sequence_locks(const wire::Transaction& tx, bool enforce,
                             std::span<const int> coin_heights,
                             const std::function<std::int64_t(int)>& mtp_at) {
  SequenceLocks locks;
  if (!enforce || tx.version < 2) return locks;
  for (std::size_t i = 0; i < tx.inputs.size() && i < coin_heights.size(); ++i) {
    const std::uint32_t sequence = tx.inputs[i].sequence;
    if (sequence & kSequenceLockTimeDisableFlag) continue;
    const int coin_height = coin_heights[i];
    const std::int64_t value = sequence & kSequenceLockTimeMask;
    if (sequence & kSequenceLockTimeTypeFlag) {
      // Time locks count from the median time past of the block before the coin's.
      const std::int64_t coin_time = mtp_at(std::max(coin_height - 1, 0));
      locks.min_time =
          std::max(locks.min_time, coin_time + (value << kSequenceLockTimeGranularity) - 1);
    } else {
      locks.min_height = std::max(locks.min_height, coin_height + static_cast<int>(value) - 1);
    }
  }
  return locks;
}

bool sequence_locks_satisfied(const SequenceLocks& locks, int block_height, std::int64_t prev_mtp) {
  return locks.min_height < block_height && locks.min_time < prev_mtp;
}

} // namespace peregrine::consensus
