#pragma once
// Peer addresses as gossiped on the wire: the 16-byte form of version/addr and BIP155's addrv2.
//
// A NetAddress keeps the network id as a raw byte so that ids this client does not know survive a
// decode; the address book decides what to keep.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

// BIP155 network ids.
enum class NetworkId : std::uint8_t {
  ipv4 = 1,
  ipv6 = 2,
  torv2 = 3, // deprecated: Tor v2 hidden services no longer exist
  torv3 = 4,
  i2p = 5,
  cjdns = 6,
};

inline constexpr std::size_t kMaxAddrV2Size = 512; // BIP155 address length limit

// The length BIP155 requires for a network's address, checked on decode as Bitcoin Core does;
// nullopt for unknown ids and for TORv2, which Core no longer parses and skips at any length.
std::optional<std::size_t> addr_v2_size(std::uint8_t network);

using AddrV1Bytes = std::array<std::uint8_t, 16>; // IPv6, or IPv4 mapped as ::ffff:a.b.c.d

struct NetAddress {
  std::uint8_t network = static_cast<std::uint8_t>(NetworkId::ipv6);
  Bytes bytes = Bytes(16, 0); // defaults to the IPv6 unspecified address ::

  static NetAddress ipv4(const std::array<std::uint8_t, 4>& a);
  static NetAddress ipv6(const AddrV1Bytes& a);
  // IPv4-mapped addresses become ipv4, everything else ipv6.
  static NetAddress from_v1(const AddrV1Bytes& a);

  bool is(NetworkId id) const { return network == static_cast<std::uint8_t>(id); }
  // The 16-byte form for version/addr: only IPv4 and IPv6 have one (as in Core, not CJDNS).
  std::optional<AddrV1Bytes> to_v1() const;

  // "1.2.3.4", "2001:db8::1" (RFC 5952), "<base32>.onion", "<base32>.b32.i2p", CJDNS as IPv6;
  // unknown networks (or a length not matching the network) as "net<id>:<hex>".
  std::string to_string() const;

  auto operator<=>(const NetAddress&) const = default;
};

// Reads 16 bytes as from_v1 does; writes to_v1(), or the zero address for networks without a v1
// form (callers filter those out for peers that did not send sendaddrv2, as Core does).
void read_v1(Reader& r, NetAddress& a, std::string_view field);
void write_v1(Writer& w, const NetAddress& a);

// An address with services and port but no time: version's addr_recv and addr_from.
struct ServiceAddress {
  std::uint64_t services = 0;
  NetAddress address;
  std::uint16_t port = 0;
  bool operator==(const ServiceAddress&) const = default;
};

void read(Reader& r, ServiceAddress& a);
void write(Writer& w, const ServiceAddress& a);

// One entry of addr (v1 serialization) or addrv2 (BIP155 serialization).
struct AddressEntry {
  std::uint32_t time = 0; // seconds since the epoch, last seen
  std::uint64_t services = 0;
  NetAddress address;
  std::uint16_t port = 0;
  bool operator==(const AddressEntry&) const = default;
};

} // namespace peregrine::wire
