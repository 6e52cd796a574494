#pragma once
// Command-line options of the P2P layer and the PeerManagerConfig they make. The sync command
// (and any later command that talks to peers) declares these options and calls peer_config.
#include <expected>
#include <filesystem>
#include <vector>

#include "consensus/chainparams.hpp"
#include "node/cli.hpp"
#include "peer/peer_manager.hpp"

namespace peregrine::node {

std::vector<OptionSpec> peer_options();

// Validates every value (a clear UsageError naming the option) and fills the config for the
// network: magic, default port, datadir for the ban list.
std::expected<peer::PeerManagerConfig, UsageError> peer_config(const ParsedArgs& args,
                                                               const consensus::ChainParams& params,
                                                               const std::filesystem::path& datadir);

} // namespace peregrine::node
