#include "peer/token_bucket.hpp"

#include <algorithm>
#include <cstdint>

namespace peregrine::peer {

TokenBucket::TokenBucket(double rate, double burst, Clock::time_point now)
    : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;
  double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + seconds * rate_);
  last_ = now;
}

double TokenBucket::tokens(Clock::time_point now) {
  refill(now);
  return tokens_;
}

bool TokenBucket::try_take(double n, Clock::time_point now) {
  if (unlimited()) return true;
  refill(now);
  if (tokens_ < n) return false;
  tokens_ -= n;
  return true;
}

void TokenBucket::take(double n, Clock::time_point now) {
  if (unlimited()) return;
  refill(now);
  tokens_ -= n;
}

Clock::duration TokenBucket::wait_for(double n, Clock::time_point now) {
  if (unlimited()) return Clock::duration::zero();
  refill(now);
  double missing = std::min(n, burst_) - tokens_;
  if (missing <= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(missing / rate_));
}

void RttEstimate::add_sample(Clock::duration rtt) {
  if (samples_ == 0) {
    average_ = rtt;
    best_ = rtt;
  } else {
    average_ = std::chrono::duration_cast<Clock::duration>(
        average_ * (1 - kWeight) + std::chrono::duration<double, Clock::period>(rtt.count()) * kWeight);
    best_ = std::min(best_, rtt);
  }
  ++samples_;
}

} // namespace peregrine::peer
