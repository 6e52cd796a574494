#pragma once
// What the peer manager needs from an address book. peer/ depends on this interface only; the
// address book (addrbook::AddrBook) implements it, and tests can substitute their own.
//
// Times are seconds since the Unix epoch, passed in by the caller so that everything here is
// deterministic under test. Implementations must be safe to call from the network thread and
// the status interface at once.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "wire/net_address.hpp"

namespace peregrine::addrbook {

// An address with the port and services it was advertised with (wire::AddressEntry: time,
// services, address, port).
using Entry = wire::AddressEntry;

class AddressSource {
public:
  virtual ~AddressSource() = default;

  // Addresses heard from `source` (a peer's addr/addrv2 message, a DNS seed, a fixed seed).
  // Returns how many were new to the book.
  virtual std::size_t add(std::span<const Entry> entries, const wire::NetAddress& source,
                          std::int64_t now) = 0;

  // An address for an outbound connection: a mix of tried and new entries, preferring recent
  // success; only networks we can reach. `new_only` picks from the new table (feelers).
  // nullopt when the book has nothing suitable. The caller still checks its own group limits.
  virtual std::optional<Entry> select(bool new_only, std::int64_t now) = 0;

  // Connection lifecycle of an address we chose.
  virtual void attempt(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) = 0;
  virtual void good(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) = 0;
  virtual void connected(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) = 0;
  virtual void set_services(const wire::NetAddress& address, std::uint16_t port,
                            std::uint64_t services) = 0;

  // A bounded random sample for answering getaddr (at most max_count, and at most 23% of the
  // book as Bitcoin Core does).
  virtual std::vector<Entry> sample(std::size_t max_count, std::int64_t now) = 0;

  virtual std::size_t size() const = 0;
};

// The network group an address counts in for diversity (Bitcoin Core's groups without an AS map):
// /16 for IPv4 and for IPv6 that embeds IPv4 (6to4, Teredo, NAT64), /32 for other IPv6 (/36 in
// Hurricane Electric's 2001:470::/32), the first 4 bits for Tor and I2P and the first 12 for CJDNS
// (their addresses are random bytes: 16 groups each), one group each for local and unroutable
// addresses. Two outbound connections never share a group.
std::vector<std::uint8_t> net_group(const wire::NetAddress& address);

} // namespace peregrine::addrbook
