#pragma once
// Elapsed wall time on the steady clock, for the stage timings of reports.
#include <chrono>

namespace peregrine::util {

class Stopwatch {
public:
  using Clock = std::chrono::steady_clock;
  std::chrono::nanoseconds elapsed() const { return Clock::now() - start_; }
  // The time since the start (or the last restart), and starts again.
  std::chrono::nanoseconds restart() {
    const auto now = Clock::now();
    const auto lap = now - start_;
    start_ = now;
    return lap;
  }

private:
  Clock::time_point start_ = Clock::now();
};

} // namespace peregrine::util
