#pragma once
// How the layers above (header sync, block download) hear from peers. The peer manager calls
// these on its io_context thread; implementations must not block it.
#include <chrono>
#include <cstddef>

#include "peer/handshake.hpp"
#include "peer/peer.hpp"
#include "wire/message.hpp"

namespace peregrine::peer {

struct PeerInfo {
  PeerId id = 0;
  ConnectionType type = ConnectionType::inbound;
  wire::NetAddress address;
  std::uint16_t port = 0;
  RemoteVersion version;
};

class MessageHandler {
public:
  virtual ~MessageHandler() = default;
  // The handshake completed: the peer can be asked for headers and blocks.
  virtual void on_peer_ready(const PeerInfo& peer) = 0;
  // Every message after the handshake except those the manager answers itself (ping, pong,
  // getaddr, addr, addrv2, sendcmpct, feefilter, and the handshake's own). The handler owns the
  // message: a block may be moved on to the chain without a copy.
  virtual void on_peer_message(PeerId peer, wire::Message&& message) = 0;
  virtual void on_peer_closed(PeerId peer) = 0;
  // A frame of `bytes` was written to the peer's socket; `queued` bytes still wait in its send
  // queue. Uploads pace themselves on it.
  virtual void on_peer_sent(PeerId, std::size_t /*bytes*/, std::size_t /*queued*/) {}
  // A message arrived and was decoded (before it waits its turn for on_peer_message): what it cost
  // to check and decode, for reports. Any message, handshake included.
  virtual void on_message_decoded(PeerId, const wire::Message&, std::size_t /*wire_bytes*/,
                                  std::chrono::nanoseconds /*decode_time*/) {}
};

} // namespace peregrine::peer
