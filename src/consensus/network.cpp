#include "consensus/network.hpp"

namespace peregrine::consensus {

std::string_view to_string(Network network) {
  switch (network) {
  case Network::main: return "main";
  case Network::testnet3: return "testnet3";
  case Network::testnet4: return "testnet4";
  case Network::signet: return "signet";
  case Network::regtest: return "regtest";
  }
  return "unknown";
}

std::optional<Network> parse_network(std::string_view name) {
  for (Network n : kAllNetworks) {
    if (to_string(n) == name) return n;
  }
  return std::nullopt;
}

} // namespace peregrine::consensus
