#pragma once
// One address book entry and the two judgements made on it: is it "terrible" (safe to forget),
// and how likely should selection be to pick it. Constants and rules are Bitcoin Core's addrman.
#include <cstdint>

#include "addrbook/service.hpp"
#include "wire/net_address.hpp"

namespace peregrine::addrbook {

inline constexpr std::int64_t kHour = 60 * 60;
inline constexpr std::int64_t kDay = 24 * kHour;

inline constexpr std::int64_t kHorizon = 30 * kDay;   // not heard of for this long: terrible
inline constexpr int kRetries = 3;                    // failures with never a success: terrible
inline constexpr int kMaxFailures = 10;               // failures in a row ...
inline constexpr std::int64_t kMinFail = 7 * kDay;    // ... and no success for this long: terrible
inline constexpr std::int64_t kFutureSlack = 10 * 60; // a "last seen" further ahead is bogus
inline constexpr std::int64_t kJustTried = 60;        // tried this recently: never terrible
inline constexpr std::int64_t kRecentTry = 10 * 60;   // tried this recently: rarely selected

struct AddrInfo {
  Service service;
  CompactAddress source; // the first peer (or seed) that told us about it
  std::uint64_t services = 0;
  std::int64_t time = 0;               // last seen, as advertised (seconds since the epoch)
  std::int64_t last_try = 0;           // last connection attempt by us
  std::int64_t last_count_attempt = 0; // last attempt that counted as a failure
  std::int64_t last_success = 0;       // last successful handshake
  int attempts = 0;                    // failed attempts since the last success
  int ref_count = 0;                   // new-table slots pointing here (0 when in tried)
  bool in_tried = false;
  bool live = false;            // slot in use (ids are reused)
  std::uint32_t random_pos = 0; // index in the book's random-order list

  bool is_terrible(std::int64_t now) const;
  // Relative selection weight in (0, 1]: 1 for an entry never tried, less after failures and
  // right after an attempt.
  double chance(std::int64_t now) const;
  wire::AddressEntry entry() const;
};

} // namespace peregrine::addrbook
