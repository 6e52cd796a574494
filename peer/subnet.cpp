#include "peer/subnet.hpp"

#include <charconv>
#include <string>

#include <fmt/format.h>

#include "wire/address_text.hpp"

namespace peregrine::peer {
namespace {

void clear_host_bits(Bytes& bytes, int prefix_bits) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    int bits_here = prefix_bits - static_cast<int>(i) * 8;
    if (bits_here >= 8) continue;
    bytes[i] = bits_here <= 0 ? 0 : static_cast<std::uint8_t>(bytes[i] & (0xff << (8 - bits_here)));
  }
}

} // namespace

std::optional<wire::NetAddress> parse_ip(std::string_view text) {
  auto address = wire::parse_address(text);
  if (!address || !(address->is(wire::NetworkId::ipv4) || address->is(wire::NetworkId::ipv6))) {
    return std::nullopt;
  }
  return address;
}

std::optional<Subnet> Subnet::parse(std::string_view text) {
  std::string_view address_text = text;
  std::optional<int> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    address_text = text.substr(0, slash);
    std::string_view bits = text.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (ec != std::errc() || end != bits.data() + bits.size()) return std::nullopt;
    prefix = value;
  }
  auto address = parse_ip(address_text);
  if (!address) return std::nullopt;
  int max_bits = static_cast<int>(address->bytes.size()) * 8;
  Subnet subnet{*address, prefix.value_or(max_bits)};
  if (subnet.prefix_bits < 0 || subnet.prefix_bits > max_bits) return std::nullopt;
  clear_host_bits(subnet.network.bytes, subnet.prefix_bits);
  return subnet;
}

Subnet Subnet::single(const wire::NetAddress& address) {
  return Subnet{address, static_cast<int>(address.bytes.size()) * 8};
}

bool Subnet::contains(const wire::NetAddress& address) const {
  if (address.network != network.network || address.bytes.size() != network.bytes.size()) {
    return false;
  }
  Bytes masked = address.bytes;
  clear_host_bits(masked, prefix_bits);
  return masked == network.bytes;
}

std::string Subnet::to_string() const { return fmt::format("{}/{}", network.to_string(), prefix_bits); }

} // namespace peregrine::peer
