#pragma once
// The addresses a peer is known to have (it sent them, or we sent them), so we do not send them
// back: Bitcoin Core keeps a rolling Bloom filter of 5,000; this is a rolling exact set of keyed
// 64-bit hashes in two generations of 2,500, so it remembers at least the last 2,500 and at most
// 5,000 addresses in a fixed 64 KiB, allocated on first use.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/siphash.hpp"
#include "wire/net_address.hpp"

namespace peregrine::addrbook {

class KnownAddresses {
public:
  explicit KnownAddresses(const crypto::SipKey& key) : key_(key) {}

  bool contains(const wire::NetAddress& address, std::uint16_t port) const;
  void insert(const wire::NetAddress& address, std::uint16_t port);

  static constexpr std::size_t kGeneration = 2'500;

private:
  static constexpr std::size_t kSlots = 4'096; // power of two, under 2/3 full
  std::uint64_t hash(const wire::NetAddress& address, std::uint16_t port) const;
  static bool find(const std::vector<std::uint64_t>& table, std::uint64_t h);
  static void put(std::vector<std::uint64_t>& table, std::uint64_t h);

  crypto::SipKey key_;
  std::vector<std::uint64_t> current_; // open addressing, 0 = empty
  std::vector<std::uint64_t> previous_;
  std::size_t current_count_ = 0;
};

} // namespace peregrine::addrbook
