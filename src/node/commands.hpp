#pragma once
// The `peregrine` command line: global options, the subcommand table, dispatch and exit codes.
#include <filesystem>
#include <iosfwd>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/chainparams.hpp"
#include "consensus/network.hpp"
#include "node/cli.hpp"

namespace peregrine::node {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1; // the command ran and found a problem (invalid input, I/O)
inline constexpr int kExitUsage = 2;   // the command line itself is wrong

// What every subcommand receives besides its own arguments.
struct Context {
  consensus::Network network = consensus::Network::main;
  bool network_given = false; // --network was on the command line (not the default)
  std::filesystem::path datadir;
  std::ostream& out;
  std::ostream& err;
  // Options set by the configuration file, and where ("FILE:LINE"): a usage error naming one
  // names its line too.
  std::map<std::string, std::string, std::less<>> option_origins = {};
  // The chain's parameters when not the network's built-in ones (--signetchallenge).
  const consensus::ChainParams* custom_params = nullptr;

  const consensus::ChainParams& params() const {
    return custom_params ? *custom_params : consensus::chain_params(network);
  }
};

struct Command {
  std::string_view name;
  std::string_view arguments; // positional arguments, for the usage line
  std::string_view summary;
  std::vector<OptionSpec> options;
  std::size_t min_positional = 0;
  std::size_t max_positional = 0;
  int (*run)(const Context&, const ParsedArgs&);
  bool reads_config = false; // peregrine.conf applies (commands that work on a datadir)
};

// "COMMAND: message" on stderr; return the exit code for a problem found (1) or a wrong command line (2).
int command_failed(const Context& ctx, std::string_view command, std::string_view message);
int command_misused(const Context& ctx, std::string_view command, std::string_view message);

// Runs the command line (arguments after the program name) and returns the exit code.
int run_cli(std::span<const std::string> args, std::ostream& out, std::ostream& err);

// The default data directory for a network: $HOME/.peregrine[/<suffix>]. The main one holds the
// default peregrine.conf when --datadir is not given.
std::filesystem::path default_datadir(consensus::Network network);

} // namespace peregrine::node
