#pragma once
// The networks Peregrine knows, by the names the CLI and the datadir use.
#include <array>
#include <optional>
#include <string_view>

namespace peregrine::consensus {

enum class Network { main, testnet3, testnet4, signet, regtest };

inline constexpr std::array<Network, 5> kAllNetworks = {Network::main, Network::testnet3,
                                                        Network::testnet4, Network::signet,
                                                        Network::regtest};

std::string_view to_string(Network network);
std::optional<Network> parse_network(std::string_view name);

} // namespace peregrine::consensus
