#include "sync/upload_target.hpp"

#include <algorithm>

namespace peregrine::sync {

void UploadTarget::sent(std::uint64_t bytes, std::int64_t now) {
  if (target_ == 0) return;
  if (now >= cycle_start_ + kCycleSeconds) {
    cycle_start_ = now;
    sent_ = 0;
  }
  sent_ += bytes;
}

bool UploadTarget::historical_limit_reached(std::int64_t now) const {
  if (target_ == 0) return false;
  // A target below a day's reserve leaves nothing for old blocks at all (Core's rule too).
  return kRecentBlocksReserve >= target_ || sent_in_cycle(now) >= target_ - kRecentBlocksReserve;
}

UploadTarget::Figures UploadTarget::figures(std::int64_t now) const {
  Figures f;
  f.target = target_;
  if (target_ == 0) return f;
  f.sent_in_cycle = sent_in_cycle(now);
  f.bytes_left = target_ - std::min(target_, f.sent_in_cycle);
  // No cycle under way: the next byte starts a whole one.
  f.seconds_left = now >= cycle_start_ + kCycleSeconds ? kCycleSeconds : cycle_start_ + kCycleSeconds - now;
  f.target_reached = f.sent_in_cycle >= target_;
  f.serve_historical_blocks = !historical_limit_reached(now);
  return f;
}

} // namespace peregrine::sync
