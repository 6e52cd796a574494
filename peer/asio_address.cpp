#include "peer/asio_address.hpp"

#include <algorithm>

namespace peregrine::peer {

wire::NetAddress net_address_of(const asio::ip::address& ip) {
  if (ip.is_v4()) return wire::NetAddress::ipv4(ip.to_v4().to_bytes());
  return wire::NetAddress::from_v1(ip.to_v6().to_bytes());
}

std::optional<asio::ip::address> ip_of(const wire::NetAddress& address) {
  if (address.is(wire::NetworkId::ipv4) && address.bytes.size() == 4) {
    asio::ip::address_v4::bytes_type b;
    std::copy(address.bytes.begin(), address.bytes.end(), b.begin());
    return asio::ip::address_v4(b);
  }
  if (address.is(wire::NetworkId::ipv6) && address.bytes.size() == 16) {
    asio::ip::address_v6::bytes_type b;
    std::copy(address.bytes.begin(), address.bytes.end(), b.begin());
    return asio::ip::address_v6(b);
  }
  return std::nullopt;
}

} // namespace peregrine::peer
