#pragma once
// Progress of a sync for people and scripts: how far along the chain is (by transactions, as
// Bitcoin Core's verificationprogress), rates over the last minute, and the time left.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "consensus/chainparams.hpp"

namespace peregrine::sync {

// Core's GuessVerificationProgress: the share of all transactions up to `now` that the chain up to
// the tip holds, the ones after the tip estimated from chainTxData's rate. 0 when chain_tx is
// unknown (0); 1 on chains without chainTxData (regtest).
double verification_progress(const consensus::ChainTxData& data, std::uint64_t chain_tx, std::int64_t tip_time,
                             std::int64_t now);

// The work left in that estimate: transactions after the tip up to `now`. Before chainTxData's
// time, its count and rate; past it, the tip's age at the rate (so a chain denser than the
// estimate still has work left while its tip is old, as Core's progress is below 1).
double transactions_after_tip(const consensus::ChainTxData& data, std::uint64_t chain_tx, std::int64_t tip_time,
                              std::int64_t now);

// Rates over a sliding window of samples (one a second is plenty).
class RateMeter {
public:
  using Clock = std::chrono::steady_clock;
  explicit RateMeter(std::chrono::seconds window = std::chrono::seconds(60)) : window_(window) {}
  // Cumulative counts at `now` (they may go down after a reorg).
  void add(Clock::time_point now, std::uint64_t blocks, std::uint64_t transactions);
  double blocks_per_second() const;
  double transactions_per_second() const;

private:
  struct Sample {
    Clock::time_point at;
    std::uint64_t blocks;
    std::uint64_t transactions;
  };
  double rate(std::uint64_t Sample::*field) const;
  std::chrono::seconds window_;
  std::deque<Sample> samples_;
};

struct ProgressFigures {
  int height = 0;
  int headers = 0;
  double progress = 0; // 0..1
  double blocks_per_second = 0;
  double transactions_per_second = 0;
  std::optional<std::chrono::seconds> eta; // unknown while nothing moves
  std::size_t peers = 0;
  double cache_mib = 0;
  std::size_t in_flight = 0;
};

// The time left: the transactions left (transactions_after_tip, the work verificationprogress
// counts) at the recent tx rate when the network has chainTxData and the chain's count is known;
// otherwise blocks left to the best header at the recent block rate. Blocks differ in size by
// thousands of times over the chain, so the block count alone misjudges the time left.
std::optional<std::chrono::seconds> estimate_eta(const consensus::ChainTxData& data, std::uint64_t chain_tx,
                                                 std::int64_t tip_time, std::int64_t now, int height, int headers,
                                                 double blocks_per_second, double transactions_per_second);

// "height 1234/3000 (41.13%), 345.2 blocks/s, 12,345 tx/s, ETA 0:01:23, 3 peers, cache 12.3 MiB, 48 in flight"
std::string format_progress(const ProgressFigures& figures);

} // namespace peregrine::sync
