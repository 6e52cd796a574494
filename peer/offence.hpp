#pragma once
// What a peer can do wrong, and what Bitcoin Core (v28+, no scores) does about each: discourage
// and disconnect, disconnect only, drop the one message, or ignore it. PeerManager applies the
// outcome, with Core's exceptions: --whitelist peers are never punished, --connect/--addnode peers
// are not punished at all, and local addresses are disconnected but never discouraged.
#include <cstdint>
#include <string_view>

namespace peregrine::peer {

enum class Outcome : std::uint8_t {
  discourage,          // disconnect, and remember the address in the discouragement filter
  discourage_outbound, // discourage if we chose the peer (Core's BLOCK_CACHED_INVALID); else ignore
  disconnect,          // the stream or the peer cannot be used, but this proves no malice
  drop_message,        // that message is dropped with a log line; the connection stays
  ignore,              // logged at debug level only
};

enum class Offence : std::uint8_t {
  // framing (Connection)
  wrong_magic,           // another network's magic: the stream is not ours
  oversized_message,     // payload length over 4,000,000
  bad_command,           // command not printable ASCII or badly padded
  bad_checksum,          // payload does not match its checksum
  malformed_payload,     // a known message that does not decode (truncated, forged counts, ...)
  unknown_command,       // a command we do not speak
  slow_message,          // a message still incomplete after the frame timeout (not in Core)
  // handshake
  handshake_violation,   // messages before version/verack, a second version
  late_feature_message,  // wtxidrelay/sendaddrv2 after verack
  // list sizes
  oversized_inv,         // inv or getdata over 50,000 items
  oversized_addr,        // addr/addrv2 over 1,000 entries
  oversized_headers,     // headers over 2,000
  oversized_locator,     // getheaders/getblocks locator over 101 hashes
  // headers and blocks (sync layer)
  invalid_pow_headers,   // a header in a headers message with proof of work not matching its bits
  non_continuous_headers, // a header whose prev is not the one before it in the message
  unconnecting_headers,  // the first header's parent is unknown (a getheaders is sent)
  low_work_headers,      // a chain below the minimum chain work, or a failed presync
  invalid_header,        // a header breaking a consensus rule (BLOCK_INVALID_HEADER)
  invalid_prev,          // a header or block descending from an invalid one (BLOCK_INVALID_PREV)
  cached_invalid,        // a header or block we already know is invalid (BLOCK_CACHED_INVALID)
  block_missing_prev,    // a block whose parent we do not know (BLOCK_MISSING_PREV)
  invalid_block,         // a block breaking consensus, or mutated (BLOCK_CONSENSUS/MUTATED)
};

inline constexpr std::size_t kOffenceCount = static_cast<std::size_t>(Offence::invalid_block) + 1;

struct OffenceInfo {
  Outcome outcome;
  std::string_view name;
};

const OffenceInfo& offence_info(Offence offence);
std::string_view to_string(Outcome outcome);

// Whether a ban-list reason is an offence name: the old scoring wrote those automatically.
bool is_offence_name(std::string_view reason);

} // namespace peregrine::peer
