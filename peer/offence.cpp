#include "peer/offence.hpp"

#include <array>

namespace peregrine::peer {
namespace {

// Indexed by Offence. Framing errors end the connection because the byte stream can no longer be
// trusted; protocol errors that prove intent (forged sizes, invalid consensus data) ban at once.
constexpr std::array<OffenceInfo, 16> kOffences = {{
    {100, true, "wrong-magic"},
    {100, true, "malformed-header"},
    {100, true, "oversized-message"},
    {50, true, "bad-checksum"},
    {100, true, "malformed-payload"},
    {100, true, "unknown-command-flood"},
    {100, true, "message-flood"},
    {50, true, "slow-message"},
    {20, false, "handshake-violation"},
    {20, false, "unsolicited-headers"},
    {10, false, "unconnecting-headers"},
    {20, false, "low-work-headers"},
    {100, true, "invalid-header"},
    {100, true, "invalid-block"},
    {20, false, "too-many-addr"},
    {20, false, "oversized-list"},
}};

} // namespace

const OffenceInfo& offence_info(Offence offence) {
  return kOffences[static_cast<std::size_t>(offence)];
}

int PeerScore::add(Offence offence) {
  total_ += offence_info(offence).points;
  return total_;
}

} // namespace peregrine::peer
