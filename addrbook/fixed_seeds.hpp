#pragma once
// Fixed seeds: a few known nodes per network, compiled in, for when the address book is empty and
// DNS seeding is off or gave nothing. A sample of Bitcoin Core's contrib/seeds/nodes_*.txt (main,
// testnet4, signet); testnet3 has none in Core either, regtest never has any. Networks are named
// as consensus::to_string names them ("main", "testnet3", "testnet4", "signet", "regtest"): the
// address book does not depend on the consensus module.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "addrbook/random.hpp"
#include "wire/net_address.hpp"

namespace peregrine::addrbook {

// "address:port" lines; IPv6 in brackets, fc00::/8 IPv6 meaning CJDNS (as Core's generator reads
// them), I2P with port 0.
std::span<const std::string_view> fixed_seed_text(std::string_view network);

// The parsed list, each entry last seen at a random time one to two weeks ago and offering
// NODE_NETWORK | NODE_WITNESS, as Core adds them. Lines that do not parse are skipped (a test
// checks there are none).
std::vector<wire::AddressEntry> fixed_seeds(std::string_view network, std::int64_t now, Rng& rng);

} // namespace peregrine::addrbook
