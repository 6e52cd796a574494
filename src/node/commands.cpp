#include "node/commands.hpp"

#include <cstdlib>
#include <ostream>

#include <fmt/format.h>

#include "node/bench_command.hpp"
#include "consensus/chainparams.hpp"
#include "node/check_headers_command.hpp"
#include "node/decode_command.hpp"
#include "node/generate_command.hpp"
#include "node/import_command.hpp"
#include "node/report_command.hpp"
#include "node/sync_command.hpp"
#include "node/utxo_stats_command.hpp"
#include "node/verify_block_command.hpp"

namespace peregrine::node {
namespace {

constexpr std::string_view kVersion = PEREGRINE_VERSION; // CMake's project() version

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> options = {
      {"network", ArgKind::value, "main|testnet3|testnet4|signet|regtest", "chain to use (default main)"},
      {"datadir", ArgKind::value, "DIR", "data directory (default ~/.peregrine/<network>)"},
      {"help", ArgKind::flag, "", "show help and exit"},
      {"version", ArgKind::flag, "", "show the version and exit"},
  };
  return options;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"sync", "", "download and validate the block chain from the P2P network", sync_options(), 0, 0,
       run_sync_command},
      {"import", "[FILE...]", "validate blocks from blk*.dat files into the datadir", import_options(), 0, 1024,
       run_import_command},
      {"verify-block", "BLOCK", "run every script of a block against the outputs it spends",
       verify_block_options(), 1, 1, run_verify_block_command},
      {"check-headers", "FILE", "validate a file of raw 80-byte headers", check_headers_options(), 1, 1,
       run_check_headers_command},
      {"generate", "DIR", "write a valid regtest chain of a chosen shape into DIR/blk*.dat (see doc/workload.md)",
       generate_options(), 1, 1, run_generate_command},
      {"utxo-stats", "", "print statistics of the UTXO set in the datadir", {}, 0, 0, run_utxo_stats_command},
      {"bench", "NAME [FILE...]",
       "run a benchmark and print its figures (NAME: decode [BLOCK], verify [BLOCK SPENT], "
       "p2p [BLOCK], addrbook, headers [FILE], header-tree, import [FILE], generate, coins)",
       bench_options(), 1, 3, run_bench_command},
      {"decode", "FILE", "decode a raw block, blk*.dat file, raw transaction or framed P2P messages (binary or hex) into JSON lines",
       decode_options(), 1, 1, run_decode_command},
      {"report", "TRACE.csv", "draw a --trace file as one self-contained HTML page of charts (see doc/report.md)",
       report_options(), 1, 1, run_report_command},
  };
  return table;
}

std::string general_help() {
  std::string out = "Usage: peregrine [OPTIONS] COMMAND [ARGS]\n\n"
                    "Peregrine: a fast, validating Bitcoin P2P sync client.\n\nCommands:\n";
  for (const auto& c : commands()) out += fmt::format("  {:<15} {}\n", c.name, c.summary);
  out += "\nOptions (accepted before or after the command):\n" + format_options(global_options());
  out += "\nRun 'peregrine COMMAND --help' for a command's own options.\n";
  return out;
}

std::string command_help(const Command& c) {
  std::string out = fmt::format("Usage: peregrine {} [OPTIONS] {}\n\n{}\n", c.name, c.arguments, c.summary);
  if (!c.options.empty()) out += "\nOptions:\n" + format_options(c.options);
  out += "\nGlobal options:\n" + format_options(global_options());
  return out;
}

int usage_error(std::ostream& err, std::string_view message) {
  err << "peregrine: " << message << "\nRun 'peregrine --help' for usage.\n";
  return kExitUsage;
}

const Command* find_command(std::string_view name) {
  for (const auto& c : commands())
    if (c.name == name) return &c;
  return nullptr;
}

// The command is the first argument that is neither an option nor an option's separate value.
std::ptrdiff_t command_position(std::span<const std::string> args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return i + 1 < args.size() ? static_cast<std::ptrdiff_t>(i + 1) : -1;
    if (!a.starts_with("-")) return static_cast<std::ptrdiff_t>(i);
    // A global option given as "--name VALUE" hides its value from the search.
    for (const auto& o : global_options()) {
      if (o.kind != ArgKind::flag && a == fmt::format("--{}", o.name)) ++i;
    }
  }
  return -1;
}

} // namespace

int command_failed(const Context& ctx, std::string_view command, std::string_view message) {
  ctx.err << command << ": " << message << "\n";
  return kExitFailure;
}

int command_misused(const Context& ctx, std::string_view command, std::string_view message) {
  ctx.err << command << ": " << message << "\n";
  return kExitUsage;
}

std::filesystem::path default_datadir(consensus::Network network) {
  const char* home = std::getenv("HOME");
  std::filesystem::path base = std::filesystem::path(home && *home ? home : ".") / ".peregrine";
  const std::string& suffix = consensus::chain_params(network).datadir_suffix;
  return suffix.empty() ? base : base / suffix;
}

int run_cli(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  std::ptrdiff_t at = command_position(args);
  const Command* command = nullptr;
  std::vector<std::string> rest(args.begin(), args.end());
  if (at >= 0) {
    command = find_command(args[at]);
    if (!command) return usage_error(err, fmt::format("unknown command '{}'", args[at]));
    rest.erase(rest.begin() + at);
  }

  std::vector<OptionSpec> options = global_options();
  if (command) options.insert(options.end(), command->options.begin(), command->options.end());
  auto parsed = parse_args(rest, options);
  if (!parsed) return usage_error(err, parsed.error().message);

  if (parsed->has("version")) {
    out << "peregrine " << kVersion << "\n";
    return kExitOk;
  }
  if (parsed->has("help")) {
    out << (command ? command_help(*command) : general_help());
    return kExitOk;
  }
  if (!command) {
    err << general_help();
    return kExitUsage;
  }

  Context ctx{consensus::Network::main, false, {}, out, err};
  if (auto name = parsed->value("network")) {
    auto network = consensus::parse_network(*name);
    if (!network) {
      return usage_error(err, fmt::format("invalid value '{}' for --network (expected main, "
                                          "testnet3, testnet4, signet or regtest)", *name));
    }
    ctx.network = *network;
    ctx.network_given = true;
  }
  ctx.datadir = parsed->value("datadir").value_or(default_datadir(ctx.network).string());

  std::size_t n = parsed->positional().size();
  if (n < command->min_positional || n > command->max_positional) {
    return usage_error(err, fmt::format("'{}' expects {}{}", command->name,
                                        command->arguments.empty() ? "no arguments" : "arguments: ",
                                        command->arguments));
  }
  return command->run(ctx, *parsed);
}

} // namespace peregrine::node
