#pragma once
// An IPv4 or IPv6 subnet ("10.0.0.0/8", "2001:db8::/32", or a single address), for bans and
// --whitelist.
#include <optional>
#include <string>
#include <string_view>

#include "wire/net_address.hpp"

namespace peregrine::peer {

struct Subnet {
  wire::NetAddress network; // ipv4 or ipv6, host bits cleared
  int prefix_bits = 0;

  static std::optional<Subnet> parse(std::string_view text);
  static Subnet single(const wire::NetAddress& address);

  bool contains(const wire::NetAddress& address) const;
  std::string to_string() const; // "1.2.3.4/32"
  bool operator==(const Subnet&) const = default;
};

// An IPv4 or IPv6 address in text form; nullopt for anything else.
std::optional<wire::NetAddress> parse_ip(std::string_view text);

} // namespace peregrine::peer
