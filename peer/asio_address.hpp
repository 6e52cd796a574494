#pragma once
// Conversions between Asio IP addresses and wire addresses.
#include <optional>

#include "peer/asio.hpp"
#include "wire/net_address.hpp"

namespace peregrine::peer {

// IPv4-mapped IPv6 addresses (dual-stack sockets) come back as IPv4.
wire::NetAddress net_address_of(const asio::ip::address& ip);
// nullopt for networks TCP/IP cannot reach directly (Tor, I2P, CJDNS).
std::optional<asio::ip::address> ip_of(const wire::NetAddress& address);

} // namespace peregrine::peer
