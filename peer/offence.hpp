#pragma once
// Misbehaviour a peer can be scored for, with its points and whether it ends the connection.
// A peer whose score reaches kBanThreshold is disconnected and discouraged (banned for
// --bantime), unless whitelisted.
#include <cstdint>
#include <string_view>

namespace peregrine::peer {

inline constexpr int kBanThreshold = 100;

enum class Offence : std::uint8_t {
  wrong_magic,           // another network's magic: the stream is not ours
  malformed_header,      // command not printable ASCII or badly padded
  oversized_message,     // payload length over 4,000,000
  bad_checksum,          // payload does not match its checksum (may be a bit flip: no ban)
  malformed_payload,     // a known message that does not decode (truncated, forged counts, ...)
  unknown_command_flood, // too many commands we do not speak
  message_flood,         // more messages than the per-peer rate allows
  slow_message,          // a message that takes too long to arrive (slow-loris)
  handshake_violation,   // messages out of order during version/verack
  unsolicited_headers,   // headers we did not ask for (scored by header sync)
  unconnecting_headers,  // headers that do not connect (scored by header sync)
  low_work_headers,      // 2,000+ headers of a chain that ends below the minimum chain work
  invalid_header,        // a header breaking consensus rules
  invalid_block,         // a block breaking consensus rules
  too_many_addr,         // more address gossip than allowed (over 1,000 in one message)
  oversized_list,        // any other list over its message's limit (inv, headers, locator)
};

struct OffenceInfo {
  int points;
  bool disconnect;
  std::string_view name;
};

const OffenceInfo& offence_info(Offence offence);

// A peer's accumulated score.
class PeerScore {
public:
  // Adds the offence's points; returns the new total.
  int add(Offence offence);
  int total() const { return total_; }
  bool reached_ban_threshold() const { return total_ >= kBanThreshold; }

private:
  int total_ = 0;
};

} // namespace peregrine::peer
