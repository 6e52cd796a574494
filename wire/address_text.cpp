#include "wire/address_text.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "crypto/sha3.hpp"

namespace peregrine::wire {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// RFC 4648 base32 without padding; the bits left over at the end must be zero.
std::optional<Bytes> base32_decode(std::string_view text) {
  Bytes out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'a' && c <= 'z')
      v = c - 'a';
    else if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else
      return std::nullopt;
    acc = (acc << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
    acc &= (1u << bits) - 1;
  }
  if (acc != 0) return std::nullopt;
  return out;
}

// Tor rend-spec-v3: base32(PUBKEY | CHECKSUM | VERSION), CHECKSUM = SHA3-256(".onion checksum" |
// PUBKEY | VERSION)[:2], VERSION = 3.
std::optional<NetAddress> parse_onion(std::string_view name) {
  if (name.size() != 56) return std::nullopt;
  auto raw = base32_decode(name);
  if (!raw || raw->size() != 35 || (*raw)[34] != 3) return std::nullopt;
  constexpr std::string_view kPrefix = ".onion checksum";
  std::array<std::uint8_t, kPrefix.size() + 32 + 1> preimage{}; // fixed size: no g++ 12 false alarm
  std::copy(kPrefix.begin(), kPrefix.end(), preimage.begin());
  std::copy_n(raw->begin(), 32, preimage.begin() + kPrefix.size());
  preimage.back() = 3;
  auto digest = crypto::sha3_256(preimage);
  if (digest[0] != (*raw)[32] || digest[1] != (*raw)[33]) return std::nullopt;
  return NetAddress{static_cast<std::uint8_t>(NetworkId::torv3),
                          Bytes(raw->begin(), raw->begin() + 32)};
}

std::optional<NetAddress> parse_i2p(std::string_view name) {
  if (name.size() != 52) return std::nullopt;
  auto raw = base32_decode(name);
  if (!raw || raw->size() != 32) return std::nullopt;
  return NetAddress{static_cast<std::uint8_t>(NetworkId::i2p), std::move(*raw)};
}

} // namespace

std::optional<NetAddress> parse_address(std::string_view text) {
  if (text.empty() || text.size() > 100) return std::nullopt;
  if (ends_with(text, ".onion")) return parse_onion(text.substr(0, text.size() - 6));
  if (ends_with(text, ".b32.i2p")) return parse_i2p(text.substr(0, text.size() - 8));
  std::string z(text); // inet_pton wants a terminated string
  std::array<std::uint8_t, 16> buffer{};
  if (::inet_pton(AF_INET, z.c_str(), buffer.data()) == 1) {
    return NetAddress::ipv4({buffer[0], buffer[1], buffer[2], buffer[3]});
  }
  if (::inet_pton(AF_INET6, z.c_str(), buffer.data()) == 1)
    return NetAddress::from_v1(buffer);
  return std::nullopt;
}

std::optional<HostAndPort> split_host_port(std::string_view text) {
  auto parse_port = [](std::string_view s) -> std::optional<std::uint16_t> {
    std::uint16_t port = 0;
    if (s.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return port;
  };
  HostAndPort out;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return out;
    if (rest.front() != ':') return std::nullopt;
    out.port = parse_port(rest.substr(1));
    if (!out.port) return std::nullopt;
    return out;
  }
  auto colons = std::count(text.begin(), text.end(), ':');
  if (colons == 1) {
    auto colon = text.find(':');
    out.host = std::string(text.substr(0, colon));
    out.port = parse_port(text.substr(colon + 1));
    if (!out.port) return std::nullopt;
  } else {
    out.host = std::string(text); // a name, IPv4, or bare IPv6
  }
  if (out.host.empty() || out.host.find_first_of("[]") != std::string::npos) return std::nullopt;
  return out;
}

} // namespace peregrine::wire
