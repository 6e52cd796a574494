#pragma once
// --maxuploadtarget as Bitcoin Core keeps it (-maxuploadtarget): every byte sent to peers counts
// against a target per 24-hour cycle, a cycle starting with the first byte sent after the last
// one ended. Once the cycle's bytes come within a day of blocks (144 × 4 MB) of the target, only
// blocks from the last week are served: a peer asking for an older one is disconnected, as Core
// does. Recent blocks are served whatever the count (the target is one to aim at, not a cap).
// Runs on the io thread.
#include <cstdint>

namespace peregrine::sync {

class UploadTarget {
public:
  static constexpr std::int64_t kCycleSeconds = 24 * 60 * 60;            // MAX_UPLOAD_TIMEFRAME
  static constexpr std::int64_t kHistoricalBlockAge = 7 * 24 * 60 * 60;  // HISTORICAL_BLOCK_AGE
  // A day of full blocks at the 10-minute spacing: kept in reserve for recent blocks.
  static constexpr std::uint64_t kRecentBlocksReserve = std::uint64_t{kCycleSeconds / 600} * 4'000'000;

  explicit UploadTarget(std::uint64_t target_bytes = 0) : target_(target_bytes) {} // 0: no target

  void sent(std::uint64_t bytes, std::int64_t now);
  // Only blocks less than kHistoricalBlockAge older than the best header may be served now.
  bool historical_limit_reached(std::int64_t now) const;

  struct Figures {
    std::uint64_t target = 0;         // bytes per cycle; 0: none
    std::uint64_t sent_in_cycle = 0;
    std::uint64_t bytes_left = 0;     // before the target (0 without one)
    std::int64_t seconds_left = 0;    // in the cycle (0 without a target)
    bool target_reached = false;
    bool serve_historical_blocks = true;
  };
  Figures figures(std::int64_t now) const;

private:
  std::uint64_t sent_in_cycle(std::int64_t now) const { return now < cycle_start_ + kCycleSeconds ? sent_ : 0; }

  std::uint64_t target_;
  std::int64_t cycle_start_ = -kCycleSeconds; // no cycle yet
  std::uint64_t sent_ = 0;
};

} // namespace peregrine::sync
