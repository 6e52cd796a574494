#pragma once
// When a transaction may be mined: its absolute lock time (with BIP113 median-time-past as the
// clock once CSV is active) and BIP68 relative lock times in input sequences.
#include <cstdint>
#include <functional>
#include <span>

#include "wire/transaction.hpp"

namespace peregrine::consensus {

inline constexpr std::int64_t kLockTimeThreshold = 500'000'000; // below: a height; else a time
inline constexpr std::uint32_t kSequenceFinal = 0xffffffff;
inline constexpr std::uint32_t kSequenceLockTimeDisableFlag = 1u << 31;
inline constexpr std::uint32_t kSequenceLockTimeTypeFlag = 1u << 22; // set: units of 512 s
inline constexpr std::uint32_t kSequenceLockTimeMask = 0x0000ffff;
inline constexpr int kSequenceLockTimeGranularity = 9;

// The median of up to the last 11 block times (the chain's clock for lock times, BIP113).
std::int64_t median_time_past(std::span<const std::int64_t> last_block_times);

// Whether the lock time is passed at this height and time (block time before CSV activation,
// the previous block's median time past after it), or every input opts out with a final sequence.
bool is_final_tx(const wire::Transaction& tx, int block_height, std::int64_t lock_time_cutoff);

// BIP68: the last height and time at which the transaction is still locked; -1 for none.
struct SequenceLocks {
  int min_height = -1;
  std::int64_t min_time = -1;
};

// coin_heights[i]: the height of the block that created input i's coin. mtp_at(h): the median
// time past of the block at height h. enforce: CSV is active (BIP68 applies to version >= 2).
SequenceLocks sequence_locks(const wire::Transaction& tx, bool enforce,
                             std::span<const int> coin_heights,
                             const std::function<std::int64_t(int)>& mtp_at);

// Whether a block at this height, whose parent has this median time past, may include it.
bool sequence_locks_satisfied(const SequenceLocks& locks, int block_height, std::int64_t prev_mtp);

} // namespace peregrine::consensus
