#pragma once
// "HOST:PORT" as given on the command line (--connect, --addnode), and conversions between Asio
// endpoints and wire addresses.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/net_address.hpp"

namespace peregrine::peer {

struct HostPort {
  std::string host; // a name, an IPv4 address or an IPv6 address (without brackets)
  std::uint16_t port = 0;
  std::string to_string() const; // brackets IPv6 literals
  bool operator==(const HostPort&) const = default;
};

// "1.2.3.4:8333", "[::1]:18444", "seed.example.org:8333", or a host alone with default_port.
std::optional<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port);

} // namespace peregrine::peer
