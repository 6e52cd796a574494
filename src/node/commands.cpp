#include "node/commands.hpp"

#include <cctype>
#include <cstdlib>
#include <ostream>

#include <fmt/format.h>

#include "node/bench_command.hpp"
#include "consensus/chainparams.hpp"
#include "node/check_headers_command.hpp"
#include "node/config_file.hpp"
#include "node/decode_command.hpp"
#include "node/generate_command.hpp"
#include "node/import_command.hpp"
#include "node/report_command.hpp"
#include "node/snapshot_command.hpp"
#include "node/sync_command.hpp"
#include "node/utxo_stats_command.hpp"
#include "node/verify_block_command.hpp"
#include "util/hex.hpp"

namespace peregrine::node {
namespace {

constexpr std::string_view kVersion = PEREGRINE_VERSION; // CMake's project() version

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> options = {
      {"network", ArgKind::value, "main|testnet3|testnet4|signet|regtest", "chain to use (default main)"},
      {"signetchallenge", ArgKind::value, "HEX",
       "with --network=signet: a custom signet whose blocks must satisfy this challenge script (BIP325)"},
      {"datadir", ArgKind::value, "DIR", "data directory (default ~/.peregrine/<network>)"},
      {"conf", ArgKind::value, "FILE", "configuration file, relative to the datadir (default DATADIR/peregrine.conf, "
                                       "or ~/.peregrine/peregrine.conf without --datadir)"},
      {"help", ArgKind::flag, "", "show help and exit"},
      {"version", ArgKind::flag, "", "show the version and exit"},
  };
  return options;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"sync", "", "download and validate the block chain from the P2P network", sync_options(), 0, 0,
       run_sync_command, true},
      {"import", "[FILE...]", "validate blocks from blk*.dat files into the datadir", import_options(), 0, 1024,
       run_import_command, true},
      {"verify-block", "BLOCK", "run every script of a block against the outputs it spends",
       verify_block_options(), 1, 1, run_verify_block_command},
      {"check-headers", "FILE", "validate a file of raw 80-byte headers", check_headers_options(), 1, 1,
       run_check_headers_command},
      {"generate", "DIR", "write a valid regtest chain of a chosen shape into DIR/blk*.dat (see doc/workload.md)",
       generate_options(), 1, 1, run_generate_command},
      {"utxo-stats", "", "print statistics of the UTXO set in the datadir", {}, 0, 0, run_utxo_stats_command, true},
      {"dumptxoutset", "FILE", "write the datadir's UTXO set as a Bitcoin Core snapshot file (stopped node; see doc/snapshots.md)",
       dumptxoutset_options(), 1, 1, run_dumptxoutset_command, true},
      {"loadtxoutset", "FILE", "make a UTXO snapshot the UTXO set of a datadir with its headers and no UTXO set yet (stopped node)",
       loadtxoutset_options(), 1, 1, run_loadtxoutset_command, true},
      {"snapshot-info", "FILE", "read a UTXO snapshot through, checking every coin; print its statistics and chunk root",
       {{"chunk-hashes", ArgKind::flag, "", "also print every chunk's hash"}}, 1, 1, run_snapshot_info_command},
      {"bench", "NAME [FILE...]",
       "run a benchmark and print its figures (NAME: decode [BLOCK], verify [BLOCK SPENT], "
       "p2p [BLOCK], addrbook, headers [FILE], header-tree, import [FILE], generate, coins, snapshot)",
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

// Every option a configuration file may name: the global ones and those of the commands that read it.
std::vector<OptionSpec> config_names() {
  std::vector<OptionSpec> names = global_options();
  for (const auto& c : commands())
    if (c.reads_config) names.insert(names.end(), c.options.begin(), c.options.end());
  return names;
}

// "--name" in a message, as a whole option name.
bool names_option(std::string_view message, std::string_view name) {
  const std::string needle = fmt::format("--{}", name);
  for (auto at = message.find(needle); at != std::string_view::npos; at = message.find(needle, at + 1)) {
    const std::size_t after = at + needle.size();
    const bool whole = after >= message.size() ||
                       !(std::isalnum(static_cast<unsigned char>(message[after])) || message[after] == '-');
    if (whole) return true;
  }
  return false;
}

// peregrine.conf (or --conf) merged under the command line; the network it chooses applies
// unless --network was given. A problem with the file is a usage error naming FILE:LINE.
std::expected<void, UsageError> apply_config_file(ParsedArgs& args, const Command& command, std::ostream& err) {
  namespace fs = std::filesystem;
  const fs::path base = args.value("datadir") ? fs::path(*args.value("datadir")) : default_datadir(consensus::Network::main);
  const auto explicit_conf = args.value("conf");
  const fs::path path = explicit_conf ? base / fs::path(*explicit_conf) : base / "peregrine.conf"; // an absolute FILE stays
  auto file = read_config_file(path, explicit_conf.has_value());
  if (!file) return std::unexpected(file.error());
  for (const auto& e : file->entries) {
    // The datadir's own file cannot move the datadir (it would not be read from there); a file
    // given with --conf can, as a systemd unit's /etc/peregrine.conf does.
    if (e.name == "datadir" && !explicit_conf)
      return std::unexpected(UsageError{fmt::format("{}: datadir cannot be set in the datadir's own peregrine.conf "
                                                    "(use --datadir, or --conf=FILE with datadir= in FILE)", e.origin)});
  }
  auto network = config_network(*file);
  if (!network) return std::unexpected(network.error());
  consensus::Network chosen = consensus::Network::main;
  if (auto given = args.value("network")) {
    if (auto parsed = consensus::parse_network(*given)) chosen = *parsed; // a bad name is reported by run_cli
  } else if (*network) {
    chosen = **network;
    args.add_option("network", std::string(consensus::to_string(chosen)));
    args.set_origin("network", path.string());
  }
  std::vector<OptionSpec> accepted = global_options();
  accepted.insert(accepted.end(), command.options.begin(), command.options.end());
  std::vector<std::string> warnings;
  if (auto merged = merge_config(args, *file, chosen, accepted, config_names(), warnings); !merged)
    return std::unexpected(merged.error());
  for (const auto& w : warnings) err << "peregrine: warning: " << w << "\n";
  return {};
}

} // namespace

int command_failed(const Context& ctx, std::string_view command, std::string_view message) {
  ctx.err << command << ": " << message << "\n";
  return kExitFailure;
}

int command_misused(const Context& ctx, std::string_view command, std::string_view message) {
  ctx.err << command << ": " << message;
  for (const auto& [name, origin] : ctx.option_origins)
    if (names_option(message, name)) ctx.err << fmt::format(" [--{} from {}]", name, origin);
  ctx.err << "\n";
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

  if (command->reads_config) {
    if (auto applied = apply_config_file(*parsed, *command, err); !applied) return usage_error(err, applied.error().message);
  }

  Context ctx{consensus::Network::main, false, {}, out, err, parsed->origins()};
  if (auto name = parsed->value("network")) {
    auto network = consensus::parse_network(*name);
    if (!network) {
      return usage_error(err, fmt::format("invalid value '{}' for --network (expected main, "
                                          "testnet3, testnet4, signet or regtest)", *name));
    }
    ctx.network = *network;
    ctx.network_given = true;
  }
  consensus::ChainParams custom; // outlives the command that ctx is given to
  if (auto hex = parsed->value("signetchallenge")) {
    if (ctx.network != consensus::Network::signet) return usage_error(err, "--signetchallenge needs --network=signet");
    auto challenge = util::from_hex(*hex);
    if (!challenge || challenge->empty())
      return usage_error(err, fmt::format("invalid value '{}' for --signetchallenge (expected the challenge script in hex)", *hex));
    custom = consensus::custom_signet_params(*challenge);
    ctx.custom_params = &custom;
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
