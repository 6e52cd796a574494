#pragma once
// What kind of address this is: valid for its network, publicly routable, and which network
// group it counts in. Bitcoin Core's rules (netaddress.cpp, netgroup.cpp) are the reference.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "addrbook/service.hpp"
#include "util/bytes.hpp"
#include "wire/net_address.hpp"

namespace peregrine::addrbook {

// A network group: the unit of diversity. Bucketing keys on it, and outbound connections never
// share one. At most a class byte and 10 address bytes (internal names).
struct NetGroup {
  std::array<std::uint8_t, 12> bytes{};
  std::uint8_t size = 0;

  ByteSpan span() const { return ByteSpan(bytes.data(), size); }
  bool operator==(const NetGroup& other) const {
    return size == other.size &&
           std::equal(bytes.begin(), bytes.begin() + size, other.bytes.begin());
  }
};

struct NetGroupHash {
  std::size_t operator()(const NetGroup& g) const;
};

// A known BIP155 network (not the retired TORv2) and the length BIP155 gives it.
bool has_valid_length(std::uint8_t network, ByteSpan bytes);

// Valid: a real address of its network, not a placeholder (unspecified, broadcast, the IPv6
// documentation prefix, IPv4-mapped or OnionCat IPv6 sent as addrv2, CJDNS without fc00::/8).
bool is_valid(std::uint8_t network, ByteSpan bytes);

// Routable: valid and reachable from the public internet or an overlay (not private, loopback,
// link-local, shared, benchmarking, documentation, ORCHID, unique-local or internal ranges).
bool is_routable(std::uint8_t network, ByteSpan bytes);

// Internal addresses name non-IP sources (a DNS seed, the fixed seeds) in fd6b:88c0:8724::/48,
// followed by the first 10 bytes of SHA-256 of the name, as Bitcoin Core does. They are never
// stored as entries, only as the source of entries, and each name is its own source group.
bool is_internal(std::uint8_t network, ByteSpan bytes);
wire::NetAddress internal_address(std::string_view name);

// The group an address counts in (Bitcoin Core's NetGroupManager::GetGroup without an AS map):
// IPv4 and IPv6 addresses embedding IPv4 (6to4, Teredo, NAT64, SIIT) by their IPv4 /16; other
// IPv6 by /32 (Hurricane Electric's tunnel broker 2001:470::/32 by /36); Tor v3 and I2P by their
// first 4 bits and CJDNS by its first 12 (their bytes are random: a few groups per network);
// local, internal (per name) and unroutable addresses each in a group of their own.
NetGroup group_of(std::uint8_t network, ByteSpan bytes);
inline NetGroup group_of(const CompactAddress& a) { return group_of(a.network, a.span()); }

// "IPv4", "IPv6", "Tor", "I2P", "CJDNS" (BIP155 ids), "TORv2" or "network <id>" otherwise.
std::string network_name(std::uint8_t network);

inline bool is_valid(const CompactAddress& a) { return is_valid(a.network, a.span()); }
inline bool is_routable(const CompactAddress& a) { return is_routable(a.network, a.span()); }

} // namespace peregrine::addrbook
