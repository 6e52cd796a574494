#pragma once
// The process's own peak resident memory, as the kernel counts it (what --dbcache must bound).
#include <sys/resource.h>

namespace peregrine::util {

inline double peak_rss_mib() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // Linux reports KiB
}

} // namespace peregrine::util
