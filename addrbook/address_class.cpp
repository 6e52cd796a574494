#include "addrbook/address_class.hpp"

#include <algorithm>

#include "addrbook/address_source.hpp"
#include "crypto/sha256.hpp"
#include "crypto/siphash.hpp"

namespace peregrine::addrbook {
namespace {

using wire::NetworkId;

// Group class bytes: BIP155 ids for routable networks, and three classes of our own.
constexpr std::uint8_t kClassUnroutable = 0;
constexpr std::uint8_t kClassLocal = 0xfd;
constexpr std::uint8_t kClassInternal = 0xfe;

constexpr std::array<std::uint8_t, 6> kInternalPrefix = {0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24};
constexpr std::array<std::uint8_t, 6> kOnionCatPrefix = {0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43};
constexpr std::array<std::uint8_t, 12> kIpv4MappedPrefix = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xff, 0xff};
constexpr std::array<std::uint8_t, 12> kSiitPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
constexpr std::array<std::uint8_t, 12> kNat64Prefix = {0x00, 0x64, 0xff, 0x9b, 0, 0,
                                                       0,    0,    0,    0,    0, 0};
constexpr std::size_t kInternalNameBytes = 10;

bool is(std::uint8_t network, NetworkId id) { return network == static_cast<std::uint8_t>(id); }

template <std::size_t N>
bool has_prefix(ByteSpan bytes, const std::array<std::uint8_t, N>& prefix) {
  return bytes.size() >= N && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

bool ipv4_in(ByteSpan a, std::uint8_t b0, std::uint8_t b1_mask, std::uint8_t b1) {
  return a[0] == b0 && (a[1] & b1_mask) == b1;
}

// Private, loopback and special-purpose IPv4 ranges: not on the public internet.
bool ipv4_unroutable(ByteSpan a) {
  return a[0] == 10 || a[0] == 127 || a[0] == 0 || // RFC 1918, loopback, "this" net
         ipv4_in(a, 192, 0xff, 168) || ipv4_in(a, 172, 0xf0, 16) || // RFC 1918
         ipv4_in(a, 198, 0xfe, 18) ||                               // RFC 2544 benchmarking
         ipv4_in(a, 169, 0xff, 254) ||                              // RFC 3927 link-local
         ipv4_in(a, 100, 0xc0, 64) ||                               // RFC 6598 shared address space
         (a[0] == 192 && a[1] == 0 && a[2] == 2) ||                 // RFC 5737 documentation
         (a[0] == 198 && a[1] == 51 && a[2] == 100) || (a[0] == 203 && a[1] == 0 && a[2] == 113);
}

bool ipv6_loopback(ByteSpan a) {
  return std::all_of(a.begin(), a.begin() + 15, [](std::uint8_t b) { return b == 0; }) &&
         a[15] == 1;
}

bool ipv6_unroutable(ByteSpan a) {
  return (a[0] & 0xfe) == 0xfc || // RFC 4193 unique local
         (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && (a[3] & 0xf0) == 0x10) || // RFC 4843
         (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && (a[3] & 0xf0) == 0x20) || // RFC 7343
         (a[0] == 0xfe && a[1] == 0x80 && // RFC 4862 link-local
          std::all_of(a.begin() + 2, a.begin() + 8, [](std::uint8_t b) { return b == 0; })) ||
         ipv6_loopback(a);
}

bool is_local(std::uint8_t network, ByteSpan a) {
  if (is(network, NetworkId::ipv4)) return a[0] == 127 || a[0] == 0;
  if (is(network, NetworkId::ipv6)) return ipv6_loopback(a);
  return false;
}

// The IPv4 address an IPv6 address carries (SIIT, NAT64, 6to4, Teredo), as Core's
// HasLinkedIPv4/GetLinkedIPv4.
std::optional<std::array<std::uint8_t, 4>> linked_ipv4(std::uint8_t network, ByteSpan a) {
  if (is(network, NetworkId::ipv4)) return std::array<std::uint8_t, 4>{a[0], a[1], a[2], a[3]};
  if (!is(network, NetworkId::ipv6)) return std::nullopt;
  if (has_prefix(a, kSiitPrefix) || has_prefix(a, kNat64Prefix)) {
    return std::array<std::uint8_t, 4>{a[12], a[13], a[14], a[15]};
  }
  if (a[0] == 0x20 && a[1] == 0x02) return std::array<std::uint8_t, 4>{a[2], a[3], a[4], a[5]};
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) { // Teredo: inverted bits
    return std::array<std::uint8_t, 4>{
        static_cast<std::uint8_t>(~a[12]), static_cast<std::uint8_t>(~a[13]),
        static_cast<std::uint8_t>(~a[14]), static_cast<std::uint8_t>(~a[15])};
  }
  return std::nullopt;
}

NetGroup make_group(std::uint8_t klass, ByteSpan prefix_bytes, int bits) {
  NetGroup g;
  g.bytes[g.size++] = klass;
  std::size_t whole = static_cast<std::size_t>(bits / 8);
  for (std::size_t i = 0; i < whole; ++i) g.bytes[g.size++] = prefix_bytes[i];
  int rest = bits % 8;
  if (rest > 0) { // the partial byte with its unused low bits set, as Core does
    g.bytes[g.size++] = static_cast<std::uint8_t>(prefix_bytes[whole] | ((1 << (8 - rest)) - 1));
  }
  return g;
}

} // namespace

std::size_t NetGroupHash::operator()(const NetGroup& g) const {
  return static_cast<std::size_t>(crypto::siphash24(crypto::SipKey{}, g.span()));
}

bool has_valid_length(std::uint8_t network, ByteSpan bytes) {
  auto expected = wire::addr_v2_size(network);
  return expected && bytes.size() == *expected;
}

bool is_valid(std::uint8_t network, ByteSpan a) {
  if (!has_valid_length(network, a)) return false;
  if (is(network, NetworkId::ipv4)) {
    bool any = a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0;
    bool none = a[0] == 0xff && a[1] == 0xff && a[2] == 0xff && a[3] == 0xff;
    return !any && !none;
  }
  if (is(network, NetworkId::ipv6)) {
    if (std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; })) return false;
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return false; // RFC 3849
    // IPv4 and TORv2 have their own encodings in addrv2; Core refuses them disguised as IPv6.
    return !has_prefix(a, kIpv4MappedPrefix) && !has_prefix(a, kOnionCatPrefix);
  }
  if (is(network, NetworkId::cjdns)) return a[0] == 0xfc;
  return true; // Tor v3 and I2P: any 32 bytes (a public key or its hash)
}

bool is_internal(std::uint8_t network, ByteSpan bytes) {
  return is(network, NetworkId::ipv6) && bytes.size() == 16 && has_prefix(bytes, kInternalPrefix);
}

bool is_routable(std::uint8_t network, ByteSpan a) {
  if (!is_valid(network, a) || is_internal(network, a)) return false;
  if (is(network, NetworkId::ipv4)) return !ipv4_unroutable(a);
  if (is(network, NetworkId::ipv6)) return !ipv6_unroutable(a);
  return true;
}

wire::NetAddress internal_address(std::string_view name) {
  auto digest =
      crypto::sha256(ByteSpan(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()));
  Bytes bytes(kInternalPrefix.begin(), kInternalPrefix.end());
  bytes.insert(bytes.end(), digest.begin(), digest.begin() + kInternalNameBytes);
  return wire::NetAddress{static_cast<std::uint8_t>(NetworkId::ipv6), std::move(bytes)};
}

NetGroup group_of(std::uint8_t network, ByteSpan a) {
  if (!has_valid_length(network, a)) return make_group(kClassUnroutable, a, 0);
  if (is_local(network, a)) return make_group(kClassLocal, a, 0);
  if (is_internal(network, a)) {
    return make_group(kClassInternal, a.subspan(kInternalPrefix.size()), kInternalNameBytes * 8);
  }
  if (!is_routable(network, a)) return make_group(kClassUnroutable, a, 0);
  if (auto v4 = linked_ipv4(network, a)) {
    return make_group(static_cast<std::uint8_t>(NetworkId::ipv4), *v4, 16);
  }
  if (is(network, NetworkId::torv3) || is(network, NetworkId::i2p))
    return make_group(network, a, 4);
  if (is(network, NetworkId::cjdns)) return make_group(network, a, 12);
  bool hurricane_electric = a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x04 && a[3] == 0x70;
  return make_group(network, a, hurricane_electric ? 36 : 32);
}

std::string network_name(std::uint8_t network) {
  switch (static_cast<NetworkId>(network)) {
  case NetworkId::ipv4: return "IPv4";
  case NetworkId::ipv6: return "IPv6";
  case NetworkId::torv2: return "TORv2";
  case NetworkId::torv3: return "Tor";
  case NetworkId::i2p: return "I2P";
  case NetworkId::cjdns: return "CJDNS";
  }
  return "network " + std::to_string(network);
}

std::vector<std::uint8_t> net_group(const wire::NetAddress& address) {
  NetGroup g = group_of(address.network, address.bytes);
  return std::vector<std::uint8_t>(g.bytes.begin(), g.bytes.begin() + g.size);
}

} // namespace peregrine::addrbook
