#pragma once
// Addresses as text, the inverse of NetAddress::to_string: fixed seeds, --seednode, --connect. Numeric forms only (no DNS
// here): IPv4 dotted quads, IPv6 (RFC 4291 text), Tor v3 "<56 base32>.onion" with its checksum
// and version checked, and I2P "<52 base32>.b32.i2p".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/net_address.hpp"

namespace peregrine::wire {

// nullopt for names that need resolving and for anything malformed. IPv4-mapped IPv6 text
// becomes an IPv4 address.
std::optional<NetAddress> parse_address(std::string_view text);

struct HostAndPort {
  std::string host;
  std::optional<std::uint16_t> port;
};

// "host", "host:port", "[ipv6]", "[ipv6]:port", or bare IPv6 (two or more colons: no port).
// nullopt for an empty host, a bad port (not 0..65535), or unbalanced brackets.
std::optional<HostAndPort> split_host_port(std::string_view text);

} // namespace peregrine::wire
