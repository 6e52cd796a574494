#pragma once
// What the layers above (header sync, block download, the block server) may do to peers: send,
// score, disconnect, mark slow, pace uploads. PeerManager implements it; tests substitute a
// recorder. Called on the io thread.
#include <cstddef>
#include <string>

#include "peer/offence.hpp"
#include "util/bytes.hpp"
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
  // A message framed already (wire::encode_message), e.g. a block framed on a reader thread so
  // the io thread does not hash it.
  virtual void send_frame(PeerId peer, Bytes frame) = 0;
  // Bytes waiting in the peer's send queue (0 once it is gone).
  virtual std::size_t send_queue_bytes(PeerId peer) const = 0;
  // While held, the peer's messages wait unhandled: its inbox fills and reading stops. Core
  // handles nothing else from a peer until its getdata requests are answered.
  virtual void hold_messages(PeerId peer, bool hold) = 0;
};

} // namespace peregrine::peer
