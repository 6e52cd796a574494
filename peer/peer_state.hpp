#pragma once
// The peer lifecycle as an explicit state machine:
//   Connecting → Handshaking → Active ⇄ Degraded → Closing → Closed
// Every change is an event; an event with no transition from the current state is a bug, logged
// and ignored, never undefined state.
#include <cstdint>
#include <optional>
#include <string_view>

#include "util/log.hpp"

namespace peregrine::peer {

enum class PeerState : std::uint8_t { connecting, handshaking, active, degraded, closing, closed };

enum class PeerEvent : std::uint8_t {
  connected,          // TCP connection established (outbound) or accepted (inbound)
  handshake_complete, // version and verack exchanged both ways
  degrade,            // stalling, slow, or over its budget (send queue, bandwidth)
  recover,            // back within limits
  disconnect,         // we decided to close (error, timeout, score, shutdown)
  closed,             // the socket is gone
};

std::string_view to_string(PeerState state);
std::string_view to_string(PeerEvent event);

// The state after `event` in `from`, or nullopt when the event is illegal there.
std::optional<PeerState> transition(PeerState from, PeerEvent event);

class PeerStateMachine {
public:
  PeerState state() const { return state_; }
  bool is_open() const { return state_ != PeerState::closing && state_ != PeerState::closed; }

  // Applies the event; an illegal one is logged as a bug (with the peer's label) and changes
  // nothing. Returns whether the event was legal.
  bool apply(PeerEvent event, util::Logger& log, std::string_view peer_label);

private:
  PeerState state_ = PeerState::connecting;
};

} // namespace peregrine::peer
