#include "addrbook/addr_info.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace peregrine::addrbook {

bool AddrInfo::is_terrible(std::int64_t now) const {
  if (now - last_try <= kJustTried) return false; // give a fresh attempt its chance
  if (time > now + kFutureSlack) return true;     // "seen" in the future
  if (now - time > kHorizon) return true;         // nobody has mentioned it for a month
  if (last_success == 0 && attempts >= kRetries) return true;
  if (now - last_success > kMinFail && attempts >= kMaxFailures) return true;
  return false;
}

double AddrInfo::chance(std::int64_t now) const {
  double chance = 1.0;
  if (now - last_try < kRecentTry) chance *= 0.01;
  // 66% less per failure, but never below 0.66^8 so that an outage does not bury everything.
  chance *= std::pow(0.66, std::min(attempts, 8));
  return chance;
}

wire::AddressEntry AddrInfo::entry() const {
  wire::AddressEntry e;
  e.time = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(time, 0, std::numeric_limits<std::uint32_t>::max()));
  e.services = services;
  e.address = service.address.to_net_address();
  e.port = service.port;
  return e;
}

} // namespace peregrine::addrbook
