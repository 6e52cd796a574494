#include "wire/net_address.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "crypto/sha3.hpp"
#include "util/hex.hpp"

namespace peregrine::wire {
namespace {

constexpr std::array<std::uint8_t, 12> kIpv4MappedPrefix = {0, 0, 0, 0, 0, 0,
                                                            0, 0, 0, 0, 0xff, 0xff};

// RFC 4648 base32, lower case, no padding: the alphabet of .onion and .b32.i2p names.
std::string base32(ByteSpan data) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 31]);
  return out;
}

// RFC 5952: lower-case hex without leading zeros; the longest run of two or more zero groups (the
// first of equal runs) becomes "::".
std::string ipv6_string(ByteSpan a) {
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) {
    groups[i] = static_cast<std::uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
  }
  std::size_t best_start = 8, best_len = 0;
  for (std::size_t i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_start = 8;
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", groups[i]);
  }
  return out;
}

// Tor rend-spec-v3: onion address = base32(PUBKEY | CHECKSUM | VERSION) where
// CHECKSUM = SHA3-256(".onion checksum" | PUBKEY | VERSION)[:2] and VERSION = 3.
std::string torv3_string(ByteSpan pubkey) { // pubkey is 32 bytes
  constexpr std::string_view kPrefix = ".onion checksum";
  constexpr std::uint8_t kVersion = 3;
  std::array<std::uint8_t, kPrefix.size() + 32 + 1> preimage{};
  std::copy(kPrefix.begin(), kPrefix.end(), preimage.begin());
  std::copy_n(pubkey.begin(), 32, preimage.begin() + kPrefix.size());
  preimage.back() = kVersion;
  auto digest = crypto::sha3_256(preimage);
  std::array<std::uint8_t, 32 + 2 + 1> name{};
  std::copy_n(pubkey.begin(), 32, name.begin());
  name[32] = digest[0];
  name[33] = digest[1];
  name[34] = kVersion;
  return base32(name) + ".onion";
}

} // namespace

std::optional<std::size_t> addr_v2_size(std::uint8_t network) {
  switch (static_cast<NetworkId>(network)) {
  case NetworkId::ipv4: return 4;
  case NetworkId::ipv6: return 16;
  case NetworkId::torv3: return 32;
  case NetworkId::i2p: return 32;
  case NetworkId::cjdns: return 16;
  case NetworkId::torv2: break; // deprecated: skipped by Core whatever its length
  }
  return std::nullopt;
}

NetAddress NetAddress::ipv4(const std::array<std::uint8_t, 4>& a) {
  return NetAddress{static_cast<std::uint8_t>(NetworkId::ipv4), Bytes(a.begin(), a.end())};
}

NetAddress NetAddress::ipv6(const AddrV1Bytes& a) {
  return NetAddress{static_cast<std::uint8_t>(NetworkId::ipv6), Bytes(a.begin(), a.end())};
}

NetAddress NetAddress::from_v1(const AddrV1Bytes& a) {
  if (std::equal(kIpv4MappedPrefix.begin(), kIpv4MappedPrefix.end(), a.begin())) {
    return NetAddress{static_cast<std::uint8_t>(NetworkId::ipv4), Bytes(a.begin() + 12, a.end())};
  }
  return ipv6(a);
}

std::optional<AddrV1Bytes> NetAddress::to_v1() const {
  AddrV1Bytes out{};
  if (is(NetworkId::ipv4) && bytes.size() == 4) {
    std::copy(kIpv4MappedPrefix.begin(), kIpv4MappedPrefix.end(), out.begin());
    std::copy(bytes.begin(), bytes.end(), out.begin() + 12);
    return out;
  }
  if (is(NetworkId::ipv6) && bytes.size() == 16) {
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
  }
  return std::nullopt;
}

std::string NetAddress::to_string() const {
  std::size_t n = bytes.size();
  switch (static_cast<NetworkId>(network)) {
  case NetworkId::ipv4:
    if (n == 4) return fmt::format("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]);
    break;
  case NetworkId::ipv6:
  case NetworkId::cjdns:
    if (n == 16) return ipv6_string(bytes);
    break;
  case NetworkId::torv2:
    if (n == 10) return base32(bytes) + ".onion";
    break;
  case NetworkId::torv3:
    if (n == 32) return torv3_string(bytes);
    break;
  case NetworkId::i2p:
    if (n == 32) return base32(bytes) + ".b32.i2p";
    break;
  }
  return fmt::format("net{}:{}", network, util::to_hex(bytes));
}

void read_v1(Reader& r, NetAddress& a, std::string_view field) {
  a = NetAddress::from_v1(r.array<16>(field));
}

void write_v1(Writer& w, const NetAddress& a) { w.bytes(a.to_v1().value_or(AddrV1Bytes{})); }

void read(Reader& r, ServiceAddress& a) {
  a.services = r.u64_le("address.services");
  read_v1(r, a.address, "address.ip");
  a.port = r.u16_be("address.port");
}

void write(Writer& w, const ServiceAddress& a) {
  w.u64_le(a.services);
  write_v1(w, a.address);
  w.u16_be(a.port);
}

} // namespace peregrine::wire
