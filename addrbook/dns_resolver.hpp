#pragma once
// Name lookups for seeding. A Resolver blocks, so the Seeder only ever runs it on a worker thread;
// tests inject their own and never touch the network.
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "wire/net_address.hpp"

namespace peregrine::addrbook {

// The IPv4 and IPv6 addresses a name resolves to, or why it did not. Must be safe to call from
// several threads at once and must not refer to anything that may die before it returns (a
// timed-out lookup is abandoned, not cancelled).
using Resolver = std::function<std::expected<std::vector<wire::NetAddress>, std::string>(
    const std::string& host)>;

// getaddrinfo(3) (AF_UNSPEC, stream sockets, AI_ADDRCONFIG); at most 256 addresses.
Resolver system_resolver();

} // namespace peregrine::addrbook
