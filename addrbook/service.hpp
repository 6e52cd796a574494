#pragma once
// The address book's own fixed-size address forms: no heap allocation per entry, cheap to hash
// and compare. wire::NetAddress (a byte vector) is the boundary type; these live inside the book.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "crypto/siphash.hpp"
#include "util/bytes.hpp"
#include "wire/net_address.hpp"

namespace peregrine::addrbook {

// Every BIP155 address the book keeps is at most 32 bytes (Tor v3 and I2P).
inline constexpr std::size_t kMaxStoredAddressSize = 32;

struct CompactAddress {
  std::uint8_t network = 0; // BIP155 id
  std::uint8_t length = 0;
  std::array<std::uint8_t, kMaxStoredAddressSize> bytes{};

  // nullopt when the address is longer than anything the book stores.
  static std::optional<CompactAddress> from(const wire::NetAddress& address) {
    if (address.bytes.size() > kMaxStoredAddressSize) return std::nullopt;
    CompactAddress out;
    out.network = address.network;
    out.length = static_cast<std::uint8_t>(address.bytes.size());
    std::copy(address.bytes.begin(), address.bytes.end(), out.bytes.begin());
    return out;
  }
  wire::NetAddress to_net_address() const {
    return wire::NetAddress{network, Bytes(bytes.begin(), bytes.begin() + length)};
  }
  ByteSpan span() const { return ByteSpan(bytes.data(), length); }
  bool operator==(const CompactAddress&) const = default;
};

// An address and a port: the book's key (Bitcoin Core keys its address manager the same way, so
// one host may appear with several ports).
struct Service {
  CompactAddress address;
  std::uint16_t port = 0;

  static std::optional<Service> from(const wire::NetAddress& address, std::uint16_t port) {
    auto compact = CompactAddress::from(address);
    if (!compact) return std::nullopt;
    return Service{*compact, port};
  }
  bool operator==(const Service&) const = default;
};

// Writes the service unambiguously (network, length, bytes, port) into a SipHash state.
inline void hash_into(crypto::SipHasher& h, const Service& s) {
  h.write_u8(s.address.network).write_u8(s.address.length).write(s.address.span());
  h.write_u16(s.port);
}

// A keyed hash for hash tables of services: addresses come from the network, so an unkeyed hash
// would let a peer aim many entries at one chain.
class ServiceHasher {
public:
  explicit ServiceHasher(crypto::SipKey key = {}) : key_(key) {}
  std::size_t operator()(const Service& s) const {
    crypto::SipHasher h(key_);
    hash_into(h, s);
    return static_cast<std::size_t>(h.finalize());
  }

private:
  crypto::SipKey key_;
};

} // namespace peregrine::addrbook
