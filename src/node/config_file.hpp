#pragma once
// peregrine.conf in bitcoin.conf syntax: `name=value` lines named as the long options, `#`
// comments, `[main]` `[test]` `[testnet4]` `[signet]` `[regtest]` sections and `NET.name=value`.
// Read before a command runs and merged under its command line (see doc/operating.md).
#include <expected>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/network.hpp"
#include "node/cli.hpp"

namespace peregrine::node {

struct ConfigEntry {
  std::string section; // "" before any section header, else main|test|testnet4|signet|regtest
  std::string name;
  std::string value;
  std::string origin; // "FILE:LINE", for error messages
};

struct ConfigFile {
  std::vector<ConfigEntry> entries; // in file order
};

// Syntax only: names are checked against the options when merged.
std::expected<ConfigFile, UsageError> parse_config_text(std::string_view text, std::string_view file_name);

// Reads the file; a missing file is an error only when `required` (given with --conf).
std::expected<ConfigFile, UsageError> read_config_file(const std::filesystem::path& file, bool required);

// The network the file chooses in its top section: network=NAME, chain=NAME, or Core's
// regtest=1, testnet=1 (testnet3), testnet4=1, signet=1.
std::expected<std::optional<consensus::Network>, UsageError> config_network(const ConfigFile& file);

// Adds the file's settings for `network` to the command line's. A name the command line gave (or
// negated) keeps the command line's value; list options collect both, the command line's first.
// In the file, a section's value beats the top section's, and the first of equals wins (as Core).
// Names in `accepted` apply; names only in `known` (another command's options) are ignored;
// any other name, or a bad flag value, is an error naming FILE:LINE. Core's network-only names
// (connect, addnode, port, bind, rpcport) in the top section apply to main only: each one
// skipped adds a line to `warnings`.
std::expected<void, UsageError> merge_config(ParsedArgs& args, const ConfigFile& file,
                                             consensus::Network network,
                                             std::span<const OptionSpec> accepted,
                                             std::span<const OptionSpec> known,
                                             std::vector<std::string>& warnings);

// The section header that holds a network's settings: main, test, testnet4, signet, regtest.
std::string_view config_section(consensus::Network network);

} // namespace peregrine::node
