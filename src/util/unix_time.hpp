#pragma once
// Seconds since the Unix epoch by the system clock: header times, bans, RPC timestamps.
#include <chrono>
#include <cstdint>

namespace peregrine::util {

inline std::int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace peregrine::util
