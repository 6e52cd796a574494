#pragma once
// What the layers above (header sync, block download) may do to peers: send, score, disconnect,
// mark slow. PeerManager implements it; tests substitute a recorder. Called on the io thread.
#include <string>

#include "peer/offence.hpp"
#include "wire/message.hpp"

namespace peregrine::peer {

using PeerId = std::uint64_t;

class PeerControl {
public:
  virtual ~PeerControl() = default;
  virtual void send(PeerId peer, const wire::Message& message) = 0;
  virtual void disconnect(PeerId peer, const std::string& reason) = 0;
  virtual void misbehaving(PeerId peer, Offence offence, const std::string& detail) = 0;
  virtual void set_degraded(PeerId peer, bool degraded, const std::string& reason) = 0;
};

} // namespace peregrine::peer
