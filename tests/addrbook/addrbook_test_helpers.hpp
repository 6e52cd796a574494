#pragma once
// Shared helpers for the address book tests: addresses of every network, books with a fixed key
// and seed, a scratch directory, and a log capture.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <unistd.h>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "addrbook/addr_book.hpp"
#include "addrbook/outbound_policy.hpp"
#include "wire/net_address.hpp"

namespace peregrine::addrbook::test {

inline constexpr std::int64_t kNow = 1'700'000'000; // Nov 2023: any fixed time will do
inline constexpr crypto::SipKey kKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
inline constexpr wire::Magic kMainMagic = {0xf9, 0xbe, 0xb4, 0xd9};

inline wire::NetAddress ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return wire::NetAddress::ipv4({a, b, c, d});
}

// A routable IPv4 address numbered n, in group (16 + n / 65536 ...) so consecutive numbers share
// a /16 until they overflow it.
inline wire::NetAddress ipv4_n(std::uint32_t n) {
  return ipv4(static_cast<std::uint8_t>(20 + (n >> 24) % 200), static_cast<std::uint8_t>(n >> 16),
              static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n));
}

inline wire::NetAddress ipv6(std::initializer_list<std::uint8_t> prefix, std::uint8_t last = 1) {
  wire::AddrV1Bytes b{};
  std::size_t i = 0;
  for (auto v : prefix) b[i++] = v;
  b[15] = last;
  return wire::NetAddress::ipv6(b);
}

inline wire::NetAddress of_network(wire::NetworkId id, std::uint8_t fill) {
  std::size_t size = *wire::addr_v2_size(static_cast<std::uint8_t>(id));
  wire::NetAddress a{static_cast<std::uint8_t>(id), Bytes(size, fill)};
  if (id == wire::NetworkId::cjdns) a.bytes[0] = 0xfc;
  if (id == wire::NetworkId::ipv6) a.bytes[0] = 0x2a; // global unicast
  if (id == wire::NetworkId::ipv4) a.bytes[0] = 44;
  return a;
}

inline wire::AddressEntry entry(const wire::NetAddress& address, std::uint16_t port = 8333,
                                std::int64_t time = kNow - 3600,
                                std::uint64_t services = kNodeNetwork | kNodeWitness) {
  return wire::AddressEntry{static_cast<std::uint32_t>(time), services, address, port};
}

inline AddrBookOptions options(std::uint64_t seed = 1) {
  AddrBookOptions o;
  o.key = kKey;
  o.seed = seed;
  o.network_magic = kMainMagic;
  return o;
}

// A fresh directory under the system temp dir, removed at the end of the test.
class ScratchDir {
public:
  ScratchDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("peregrine-addrbook-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const char* name) const { return path_ / name; }

private:
  std::filesystem::path path_;
};

class LogCapture {
public:
  LogSink sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  bool contains(std::string_view text) const {
    std::lock_guard lock(mutex_);
    for (const auto& l : lines_)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }

private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

} // namespace peregrine::addrbook::test
