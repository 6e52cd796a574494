#pragma once
// Benchmark timing: repeat a body in batches long enough to time, report the median and the best
// per-iteration time. The median is the figure; the spread says how noisy the machine was.
#include <chrono>
#include <cstddef>
#include <functional>

namespace peregrine::bench {

struct Timing {
  double median_ns = 0; // per iteration
  double min_ns = 0;
  double max_ns = 0;
  std::size_t samples = 0;
  std::size_t iterations_per_sample = 0;
};

// Runs body for about `seconds`, in samples of at least ~2 ms each.
Timing measure(const std::function<void()>& body, double seconds);

// Keeps the compiler from discarding a result it could prove unused.
template <class T>
inline void keep(T const& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

} // namespace peregrine::bench
