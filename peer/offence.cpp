#include "peer/offence.hpp"

#include <algorithm>
#include <array>

namespace peregrine::peer {
namespace {

using enum Outcome;

// Indexed by Offence; each outcome is Bitcoin Core's (doc/peer.md lists where Core decides it).
constexpr std::array<OffenceInfo, kOffenceCount> kOffences = {{
    {disconnect, "wrong-magic"},
    {disconnect, "oversized-message"},
    {drop_message, "bad-command"},
    {drop_message, "bad-checksum"},
    {drop_message, "malformed-payload"},
    {ignore, "unknown-command"},
    {disconnect, "slow-message"},
    {ignore, "handshake-violation"},
    {disconnect, "late-feature-message"},
    {discourage, "oversized-inv"},
    {discourage, "oversized-addr"},
    {discourage, "oversized-headers"},
    {disconnect, "oversized-locator"},
    {discourage, "invalid-pow-headers"},
    {discourage, "non-continuous-headers"},
    {ignore, "unconnecting-headers"},
    {ignore, "low-work-headers"},
    {discourage, "invalid-header"},
    {discourage, "invalid-prev"},
    {discourage_outbound, "cached-invalid"},
    {discourage, "block-missing-prev"},
    {discourage, "invalid-block"},
}};

// Names the scoring of earlier versions wrote into banlist.json as a ban's reason.
constexpr std::array<std::string_view, 16> kOldOffenceNames = {
    "wrong-magic",          "malformed-header",     "oversized-message", "bad-checksum",
    "malformed-payload",    "unknown-command-flood", "message-flood",    "slow-message",
    "handshake-violation",  "unsolicited-headers",  "unconnecting-headers", "low-work-headers",
    "invalid-header",       "invalid-block",        "too-many-addr",     "oversized-list",
};

} // namespace

const OffenceInfo& offence_info(Offence offence) {
  return kOffences[static_cast<std::size_t>(offence)];
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
  case discourage: return "discourage";
  case discourage_outbound: return "discourage-if-outbound";
  case disconnect: return "disconnect";
  case drop_message: return "drop-message";
  case ignore: return "ignore";
  }
  return "?";
}

bool is_offence_name(std::string_view reason) {
  if (std::find(kOldOffenceNames.begin(), kOldOffenceNames.end(), reason) != kOldOffenceNames.end()) return true;
  return std::any_of(kOffences.begin(), kOffences.end(), [&](const OffenceInfo& i) { return i.name == reason; });
}

} // namespace peregrine::peer
