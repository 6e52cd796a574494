#pragma once
// Token bucket for bandwidth and message-rate limits. Time is passed in, so the arithmetic is
// testable without sleeping. A rate of zero means unlimited.
#include <chrono>

namespace peregrine::peer {

using Clock = std::chrono::steady_clock;

class TokenBucket {
public:
  TokenBucket() = default; // unlimited
  // rate: tokens per second; burst: the most tokens that can accumulate (the bucket starts full).
  TokenBucket(double rate, double burst, Clock::time_point now);

  bool unlimited() const { return rate_ <= 0; }
  double tokens(Clock::time_point now);

  // Takes n tokens if they are there.
  bool try_take(double n, Clock::time_point now);
  // Takes n tokens even if that leaves a debt (used after bytes have already arrived).
  void take(double n, Clock::time_point now);
  // How long until n tokens (n at most the burst) are available; zero if they already are.
  Clock::duration wait_for(double n, Clock::time_point now);

private:
  void refill(Clock::time_point now);

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  Clock::time_point last_{};
};

// Round-trip time as an exponentially weighted moving average, plus the best seen.
class RttEstimate {
public:
  void add_sample(Clock::duration rtt);
  bool has_sample() const { return samples_ > 0; }
  Clock::duration average() const { return average_; }
  Clock::duration best() const { return best_; }

private:
  static constexpr double kWeight = 0.2; // each new sample counts for a fifth
  Clock::duration average_{};
  Clock::duration best_{};
  std::uint64_t samples_ = 0;
};

} // namespace peregrine::peer
