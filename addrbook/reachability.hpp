#pragma once
// Which networks we can open connections to. Everything valid is stored and relayed; only
// reachable networks are selected. IPv4 and IPv6 by default; Tor, I2P and CJDNS once the node
// has a proxy or an interface for them (a setting, not a code change).
#include <cstdint>
#include <initializer_list>

#include "wire/net_address.hpp"

namespace peregrine::addrbook {

class Reachability {
public:
  Reachability() : Reachability({wire::NetworkId::ipv4, wire::NetworkId::ipv6}) {}
  Reachability(std::initializer_list<wire::NetworkId> networks) {
    for (auto n : networks) set(n, true);
  }
  static Reachability none() { return Reachability({}); }
  static Reachability all() {
    return {wire::NetworkId::ipv4, wire::NetworkId::ipv6, wire::NetworkId::torv3,
            wire::NetworkId::i2p, wire::NetworkId::cjdns};
  }

  bool reachable(std::uint8_t network) const { return network < 8 && (mask_ >> network) & 1; }
  bool reachable(wire::NetworkId network) const {
    return reachable(static_cast<std::uint8_t>(network));
  }
  void set(wire::NetworkId network, bool reachable) {
    auto bit = static_cast<std::uint8_t>(1u << static_cast<std::uint8_t>(network));
    mask_ = reachable ? static_cast<std::uint8_t>(mask_ | bit)
                      : static_cast<std::uint8_t>(mask_ & ~bit);
  }
  std::uint8_t mask() const { return mask_; } // bit n set: network id n is reachable
  bool operator==(const Reachability&) const = default;

private:
  std::uint8_t mask_ = 0; // bit n: BIP155 network id n (TORv2, id 3, is never set: retired)
};

} // namespace peregrine::addrbook
