#pragma once
// Everything the peer manager knows about one peer. Plain data plus the pieces with their own
// logic (state machine, handshake, misbehaviour flag, RTT); the socket lives in Connection.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "addrbook/peer_addr_state.hpp"
#include "peer/handshake.hpp"
#include "peer/offence.hpp"
#include "peer/peer_state.hpp"
#include "peer/token_bucket.hpp"
#include "wire/message.hpp"
#include "wire/net_address.hpp"

namespace peregrine::peer {

class Connection;

using PeerId = std::uint64_t;

enum class ConnectionType : std::uint8_t {
  inbound,
  outbound_full,        // blocks, headers and address gossip
  outbound_block_relay, // blocks and headers only: harder to map the network through
  manual,               // --connect / --addnode targets
  feeler,               // short-lived, to test an address from the new table
};

std::string_view to_string(ConnectionType type);

struct Peer {
  PeerId id = 0;
  ConnectionType type = ConnectionType::inbound;
  wire::NetAddress address;
  std::uint16_t port = 0;
  wire::NetAddress local_address; // ours, as this peer reached us
  std::string endpoint; // "127.0.0.1:18444", "[::1]:18444"
  std::string label;    // "peer 7 127.0.0.1:18444", for log lines
  bool whitelisted = false;
  std::optional<std::size_t> manual_target; // index into the --connect/--addnode targets

  std::uint64_t local_nonce = 0; // our version nonce: an inbound version carrying it is ourselves

  PeerStateMachine state;
  std::optional<Handshake> handshake;
  std::shared_ptr<Connection> connection;
  bool misbehaved = false;    // punished once already (Core's m_should_discourage was set)
  bool prefer_evict = false;  // accepted while discouraged: first to go when slots run out
  RttEstimate rtt;
  std::string degrade_reason;

  Clock::time_point created{};
  Clock::time_point handshake_deadline{};
  std::optional<std::uint64_t> ping_nonce; // a ping is outstanding
  Clock::time_point ping_sent{};
  Clock::time_point next_ping{};

  // Received, decoded, not yet dispatched: bounded in bytes (backpressure).
  std::deque<std::pair<wire::Message, std::size_t>> inbox;
  std::size_t inbox_bytes = 0;
  bool queued_for_dispatch = false;
  bool messages_held = false; // the layer above asked to wait (hold_messages)

  // What the peer asked of us.
  std::optional<wire::SendCmpctMessage> compact_blocks;
  std::int64_t fee_filter = 0;

  // Address gossip (full-relay peers, once the handshake is done; see addrbook::AddrGossip).
  std::optional<addrbook::PeerAddrState> addr_state;
  Clock::time_point next_addr_send{};

  bool is_ready() const {
    return state.state() == PeerState::active || state.state() == PeerState::degraded;
  }
  bool outbound() const { return type != ConnectionType::inbound; }
};

} // namespace peregrine::peer
