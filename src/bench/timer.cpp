#include "bench/timer.hpp"

#include <algorithm>
#include <vector>

namespace peregrine::bench {
namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ns(Clock::time_point since) {
  return std::chrono::duration<double, std::nano>(Clock::now() - since).count();
}

} // namespace

Timing measure(const std::function<void()>& body, double seconds) {
  // Calibrate: grow the batch until one batch takes at least 2 ms, so clock overhead is negligible.
  std::size_t batch = 1;
  for (;;) {
    auto start = Clock::now();
    for (std::size_t i = 0; i < batch; ++i) body();
    if (elapsed_ns(start) >= 2e6 || batch >= (std::size_t{1} << 30)) break;
    batch *= 2;
  }
  std::vector<double> per_iteration;
  auto begin = Clock::now();
  while (per_iteration.size() < 5 || (elapsed_ns(begin) < seconds * 1e9 && per_iteration.size() < 100000)) {
    auto start = Clock::now();
    for (std::size_t i = 0; i < batch; ++i) body();
    per_iteration.push_back(elapsed_ns(start) / static_cast<double>(batch));
  }
  std::sort(per_iteration.begin(), per_iteration.end());
  Timing t;
  t.samples = per_iteration.size();
  t.iterations_per_sample = batch;
  t.median_ns = per_iteration[per_iteration.size() / 2];
  t.min_ns = per_iteration.front();
  t.max_ns = per_iteration.back();
  return t;
}

} // namespace peregrine::bench
