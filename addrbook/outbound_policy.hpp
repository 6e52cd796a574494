#pragma once
// Rules for choosing outbound connections beyond the tables themselves (Bitcoin Core's
// ThreadOpenConnections): service bits worth connecting to, and ports to stay away from.
#include <cstdint>

namespace peregrine::addrbook {

// Service bits (BIP 111, BIP 144, BIP 159).
inline constexpr std::uint64_t kNodeNetwork = 1;
inline constexpr std::uint64_t kNodeWitness = 1 << 3;
inline constexpr std::uint64_t kNodeNetworkLimited = 1 << 10;

// What a full outbound peer must offer by default: the whole chain, with witnesses.
inline constexpr std::uint64_t kDesirableServices = kNodeNetwork | kNodeWitness;

// Serves blocks at all (full or pruned): only such addresses are worth storing from gossip, and
// worth a feeler, since other clients seldom have a useful address book.
inline bool may_have_useful_addresses(std::uint64_t services) {
  return (services & (kNodeNetwork | kNodeNetworkLimited)) != 0;
}

// Ports of services that usually require authentication (ssh, smtp, ...): an automatic connection
// there may look like an attack to their administrator, so gossip pointing at them is ignored
// for outbound choices (Bitcoin Core's doc/p2p-bad-ports.md).
bool is_bad_port(std::uint16_t port);

// Bitcoin Core's thresholds in its selection loop: after this many unsuitable picks, relax.
inline constexpr int kMaxSelectTries = 100;
inline constexpr int kRelaxRecentTryAfter = 30;
inline constexpr int kRelaxServicesAfter = 40;
inline constexpr int kRelaxBadPortAfter = 50;

} // namespace peregrine::addrbook
