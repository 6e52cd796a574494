#pragma once
// Address gossip state of one connection, in the manner of Bitcoin Core's per-peer addr fields:
// the token bucket limiting how many of its addresses we accept, whether getaddr was sent or
// answered, what it already knows, and what is queued to send it. Owned by the peer manager (one
// per peer, used on the network thread; not thread-safe). AddrGossip creates and drives it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "addrbook/known_addresses.hpp"
#include "addrbook/random.hpp"
#include "wire/messages/addr.hpp"
#include "wire/net_address.hpp"

namespace peregrine::addrbook {

inline constexpr double kAddrRatePerSecond = 0.1; // accepted addresses per second per peer
inline constexpr double kAddrTokenCap = 1'000;    // the burst (MAX_ADDR_PROCESSING_TOKEN_BUCKET)
inline constexpr std::size_t kMaxAddrQueue = wire::kMaxAddrToSend;

class PeerAddrState {
public:
  // One token to start with, so a peer's announcement of itself gets through.
  PeerAddrState(bool inbound, std::int64_t now, const crypto::SipKey& known_key);

  bool inbound() const { return inbound_; }

  // Token bucket: refills at 0.1 per second up to 1,000; tokens granted for a getaddr answer
  // above that are kept until used.
  void refill(std::int64_t now);
  bool take_token();
  double tokens() const { return tokens_; }

  // We sent getaddr: the answer may be up to 1,000 addresses, and is not relayed onwards.
  void on_getaddr_sent();
  bool getaddr_sent() const { return getaddr_sent_; }
  // An addr message arrived: one shorter than 1,000 ends the answer to our getaddr.
  void on_addr_received(std::size_t entries);

  // True the first time an inbound peer asks; every later getaddr (and any from an outbound
  // peer, which would let a peer fingerprint us) is ignored.
  bool accept_getaddr();

  // sendaddrv2 received: it can take every network, not only IPv4 and IPv6.
  void set_wants_addrv2(bool wants) { wants_addrv2_ = wants; }
  bool wants_addrv2() const { return wants_addrv2_; }

  bool knows(const wire::AddressEntry& entry) const {
    return known_.contains(entry.address, entry.port);
  }
  void mark_known(const wire::AddressEntry& entry) { known_.insert(entry.address, entry.port); }

  // Queues an address for the next addr/addrv2 to this peer, unless it knows it or cannot decode
  // it; a full queue (1,000) replaces a random entry.
  void push(const wire::AddressEntry& entry, Rng& rng);
  void clear_queue() { queue_.clear(); }
  std::size_t queued() const { return queue_.size(); }
  // The queue's entries the peer does not know yet, now marked known: the next message's contents
  // (send as addrv2 if wants_addrv2(), else as addr).
  std::vector<wire::AddressEntry> take_to_send();

private:
  bool inbound_;
  double tokens_ = 1.0;
  std::int64_t token_time_;
  bool getaddr_sent_ = false;
  bool getaddr_answered_ = false;
  bool wants_addrv2_ = false;
  KnownAddresses known_;
  std::vector<wire::AddressEntry> queue_;
};

} // namespace peregrine::addrbook
