#include "peer/peer_state.hpp"

namespace peregrine::peer {

std::string_view to_string(PeerState state) {
  switch (state) {
  case PeerState::connecting: return "connecting";
  case PeerState::handshaking: return "handshaking";
  case PeerState::active: return "active";
  case PeerState::degraded: return "degraded";
  case PeerState::closing: return "closing";
  case PeerState::closed: return "closed";
  }
  return "?";
}

std::string_view to_string(PeerEvent event) {
  switch (event) {
  case PeerEvent::connected: return "connected";
  case PeerEvent::handshake_complete: return "handshake_complete";
  case PeerEvent::degrade: return "degrade";
  case PeerEvent::recover: return "recover";
  case PeerEvent::disconnect: return "disconnect";
  case PeerEvent::closed: return "closed";
  }
  return "?";
}

std::optional<PeerState> transition(PeerState from, PeerEvent event) {
  using S = PeerState;
  using E = PeerEvent;
  switch (from) {
  case S::connecting:
    if (event == E::connected) return S::handshaking;
    if (event == E::disconnect) return S::closing;
    break;
  case S::handshaking:
    if (event == E::handshake_complete) return S::active;
    if (event == E::disconnect) return S::closing;
    break;
  case S::active:
    if (event == E::degrade) return S::degraded;
    if (event == E::disconnect) return S::closing;
    break;
  case S::degraded:
    if (event == E::degrade) return S::degraded; // a further reason while degraded
    if (event == E::recover) return S::active;
    if (event == E::disconnect) return S::closing;
    break;
  case S::closing:
    if (event == E::disconnect) return S::closing; // several causes may race to close a peer
    if (event == E::closed) return S::closed;
    break;
  case S::closed:
    break;
  }
  return std::nullopt;
}

bool PeerStateMachine::apply(PeerEvent event, util::Logger& log, std::string_view peer_label) {
  auto next = transition(state_, event);
  if (!next) {
    log.error("peer", "bug: illegal transition for {}: event {} in state {}", peer_label,
              to_string(event), to_string(state_));
    return false;
  }
  state_ = *next;
  return true;
}

} // namespace peregrine::peer
