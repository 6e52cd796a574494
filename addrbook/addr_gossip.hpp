#pragma once
// Address gossip, Bitcoin Core's net_processing rules for addr, addrv2 and getaddr, minus the
// sockets: the peer manager decodes a message, hands it here with the sender's PeerAddrState, and
// sends what it is told to. Thread-safe (one mutex for its random state and getaddr cache).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "addrbook/addr_book.hpp"
#include "addrbook/peer_addr_state.hpp"
#include "addrbook/random.hpp"

namespace peregrine::addrbook {

using PeerId = std::uint64_t;

inline constexpr std::int64_t kFreshAddress = 10 * 60;    // younger than this is relayed
inline constexpr std::size_t kMaxRelayedMessageSize = 10; // larger messages are answers, not news
inline constexpr std::int64_t kRelayRotation =
    24 * kHour; // relay targets of an address change daily
inline constexpr std::int64_t kOldTimeFallback = 5 * kDay; // bogus times become "five days ago"
inline constexpr std::int64_t kGetaddrCacheLifetime = 21 * kHour; // plus up to 6 h at random
inline constexpr std::size_t kMaxGetaddrCaches = 16;

// What one addr/addrv2 message did. Every count is of entries.
struct AddrMessageResult {
  std::size_t received = 0;
  bool oversized = false;       // more than 1,000 entries: a protocol violation, nothing used
  std::size_t unsupported = 0;  // unknown network ids and TORv2: skipped, as Core does
  std::size_t rate_limited = 0; // over the peer's token bucket: dropped
  std::size_t invalid = 0;      // a known network with the wrong address length: misbehaviour
  std::size_t unroutable = 0;   // private, local or otherwise unusable addresses: ignored
  std::size_t useless = 0;      // advertised without serving blocks: ignored
  std::size_t stored = 0;       // handed to the book
  std::size_t new_to_book = 0;  // of which the book did not know before
  std::vector<wire::AddressEntry> to_relay; // fresh news: send each to relay_targets()

  // Entries a well-behaved peer would never send; the peer layer decides what that costs.
  std::size_t rejected() const { return invalid + (oversized ? received : 0); }
};

class AddrGossip {
public:
  explicit AddrGossip(AddrBook& book, std::optional<std::uint64_t> seed = std::nullopt);

  PeerAddrState new_peer(bool inbound, std::int64_t now);

  // An addr or addrv2 message from `peer` (its address is the source for bucketing).
  AddrMessageResult on_addr(PeerAddrState& peer, std::span<const wire::AddressEntry> entries,
                            const wire::NetAddress& peer_address, std::int64_t now);

  // A getaddr from `peer`. Ignored (nullopt) from outbound peers and after the first on a
  // connection; otherwise replaces the peer's send queue with a random sample of the book (at
  // most 1,000 and 23% of it, the same sample for everyone who connects through the same local
  // address for about a day, so repeated asks map nothing) and returns how many were queued.
  std::optional<std::size_t> on_getaddr(PeerAddrState& peer, const wire::NetAddress& local_address,
                                        std::int64_t now);

  // Whom to relay one fresh address to among `candidates` (peers with address relay on): two,
  // or for an address of a network we cannot reach, one or two; never `origin`. The choice is
  // keyed and changes once a day per address, so repeats do not reach more peers.
  std::vector<PeerId> relay_targets(const wire::AddressEntry& entry,
                                    std::span<const PeerId> candidates,
                                    std::optional<PeerId> origin, std::int64_t now);

  // Queues `entry` for `peer` (for the relay targets chosen above); thread-safe in the same way.
  void push(PeerAddrState& peer, const wire::AddressEntry& entry);

private:
  struct CachedAnswer {
    wire::NetAddress local_address;
    std::vector<wire::AddressEntry> entries;
    std::int64_t expires = 0;
  };

  AddrBook& book_;
  std::mutex mutex_;
  Rng rng_;
  crypto::SipKey relay_key_;
  std::vector<CachedAnswer> getaddr_cache_;
};

} // namespace peregrine::addrbook
