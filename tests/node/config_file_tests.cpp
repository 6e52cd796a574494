#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "node/cli.hpp"
#include "node/config_file.hpp"
#include "run_cli.hpp"
#include "temp_dir.hpp"

using namespace peregrine::node;
using peregrine::consensus::Network;

namespace {

const OptionSpec kOptions[] = {
    {"dbcache", ArgKind::value, "MIB", ""},
    {"connect", ArgKind::list, "HOST", ""},
    {"addnode", ArgKind::list, "HOST", ""},
    {"rpcport", ArgKind::value, "PORT", ""},
    {"listen", ArgKind::flag, "", ""},
    {"upnp", ArgKind::flag, "", ""},
};
const OptionSpec kKnownElsewhere[] = {
    {"runs", ArgKind::value, "N", ""},
};

ConfigFile parse(std::string_view text) {
  auto file = parse_config_text(text, "p.conf");
  REQUIRE_MESSAGE(file.has_value(), file.error().message);
  return *file;
}

// The command line, then the file under it, as run_cli does.
std::expected<ParsedArgs, UsageError> merged(std::vector<std::string> command_line, std::string_view text,
                                             Network network, std::vector<std::string>* warnings = nullptr) {
  auto args = parse_args(command_line, kOptions);
  REQUIRE(args.has_value());
  auto file = parse_config_text(text, "p.conf");
  if (!file) return std::unexpected(file.error());
  std::vector<std::string> ignored;
  auto m = merge_config(*args, *file, network, kOptions, kKnownElsewhere, warnings ? *warnings : ignored);
  if (!m) return std::unexpected(m.error());
  return *args;
}

std::string error_of(std::vector<std::string> command_line, std::string_view text, Network network = Network::main) {
  auto r = merged(std::move(command_line), text, network);
  REQUIRE_FALSE(r.has_value());
  return r.error().message;
}

} // namespace

TEST_CASE("peregrine.conf: comments, blank lines, whitespace and sections") {
  const ConfigFile file = parse("# a node\n"
                                "\n"
                                "  dbcache = 1000   # MiB\r\n"
                                "[regtest]\n"
                                "rpcport=18443\n"
                                "main.rpcport=8332\n");
  REQUIRE(file.entries.size() == 3);
  CHECK(file.entries[0].section == "");
  CHECK(file.entries[0].name == "dbcache");
  CHECK(file.entries[0].value == "1000");
  CHECK(file.entries[0].origin == "p.conf:3");
  CHECK(file.entries[1].section == "regtest");
  CHECK(file.entries[1].origin == "p.conf:5");
  CHECK(file.entries[2].section == "main"); // NET.name beats the section it is written in
  CHECK(file.entries[2].name == "rpcport");
}

TEST_CASE("peregrine.conf: syntax errors name the file and line") {
  CHECK(parse_config_text("dbcache=1\nlisten\n", "p.conf").error().message ==
        "p.conf:2: 'listen' has no value (write listen=1 for a flag)");
  CHECK(parse_config_text("[mainnet]\n", "p.conf").error().message.starts_with("p.conf:1: unknown section [mainnet]"));
  CHECK(parse_config_text("\n\n--dbcache=4\n", "p.conf").error().message.starts_with("p.conf:3: "));
  CHECK(parse_config_text("bogus.dbcache=4\n", "p.conf").error().message.starts_with("p.conf:1: unknown network 'bogus'"));
  CHECK(parse_config_text("=4\n", "p.conf").error().message == "p.conf:1: a setting with no name");
}

TEST_CASE("peregrine.conf: the network's section beats the top, the first of equals wins, others' sections are ignored") {
  auto args = merged({}, "dbcache=100\ndbcache=200\nrpcport=1\n[regtest]\ndbcache=300\n[main]\nrpcport=2\nrpcport=3\n",
                     Network::main);
  REQUIRE(args.has_value());
  CHECK(args->value("dbcache") == "100");
  CHECK(args->value("rpcport") == "2");
  CHECK(args->origins().at("rpcport") == "p.conf:7");

  auto regtest = merged({}, "dbcache=100\n[regtest]\ndbcache=300\n", Network::regtest);
  REQUIRE(regtest.has_value());
  CHECK(regtest->value("dbcache") == "300");
}

TEST_CASE("peregrine.conf: the command line wins; list options collect both, the command line's first") {
  auto args = merged({"--dbcache=5", "--connect=b"}, "dbcache=100\nconnect=c\nconnect=d\naddnode=e\n", Network::main);
  REQUIRE(args.has_value());
  CHECK(args->value("dbcache") == "5");
  CHECK_FALSE(args->origins().contains("dbcache"));
  CHECK(args->values("connect") == std::vector<std::string>{"b", "c", "d"});
  CHECK(args->values("addnode") == std::vector<std::string>{"e"});
  CHECK(args->origins().at("connect") == "p.conf:2, p.conf:3");
}

TEST_CASE("peregrine.conf: flags take 0 or 1, Core's noNAME=1 negates, and --noNAME on the command line wins") {
  auto on = merged({}, "listen=1\nupnp=0\n", Network::main);
  REQUIRE(on.has_value());
  CHECK(on->has("listen"));
  CHECK_FALSE(on->has("upnp"));

  auto negated = merged({}, "nolisten=1\nlisten=1\nnodbcache=1\n", Network::main);
  REQUIRE(negated.has_value());
  CHECK_FALSE(negated->has("listen")); // the first line decided
  CHECK(negated->value("dbcache") == "0");

  auto overridden = merged({"--nolisten"}, "listen=1\n", Network::main);
  REQUIRE(overridden.has_value());
  CHECK_FALSE(overridden->has("listen"));

  CHECK(error_of({}, "\n\nlisten=yes\n") == "p.conf:3: invalid value 'yes' for listen (expected 0 or 1)");
  CHECK(error_of({}, "nodbcache=0\n").starts_with("p.conf:1: "));
}

TEST_CASE("peregrine.conf: an unknown name is an error naming file and line; another command's option is ignored") {
  CHECK(error_of({}, "dbcache=4\n\n  dbcahce=5\n") == "p.conf:3: unknown option 'dbcahce'");
  CHECK(error_of({}, "[regtest]\nbogus=1\n", Network::regtest) == "p.conf:2: unknown option 'bogus'");
  CHECK(error_of({}, "dbcache=\n") == "p.conf:1: dbcache needs a value (MIB)");
  CHECK(error_of({}, "conf=other.conf\n") == "p.conf:1: conf cannot be set in a configuration file");
  auto args = merged({}, "runs=3\n", Network::main);
  REQUIRE(args.has_value());
  CHECK_FALSE(args->has("runs"));
}

TEST_CASE("peregrine.conf: connect, addnode, port, bind and rpcport outside a section apply to main only (as Core)") {
  std::vector<std::string> warnings;
  auto args = merged({}, "rpcport=8332\ndbcache=7\n[regtest]\naddnode=x\n", Network::regtest, &warnings);
  REQUIRE(args.has_value());
  CHECK_FALSE(args->has("rpcport"));
  CHECK(args->value("dbcache") == "7");
  CHECK(args->values("addnode") == std::vector<std::string>{"x"});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].starts_with("p.conf:1: rpcport applies to main only"));
}

TEST_CASE("peregrine.conf: the network chosen in the top section") {
  CHECK(*config_network(parse("regtest=1\n")) == Network::regtest);
  CHECK(*config_network(parse("chain=test\n")) == Network::testnet3);
  CHECK(*config_network(parse("network=signet\ntestnet=0\n")) == Network::signet);
  CHECK_FALSE(config_network(parse("dbcache=1\n"))->has_value());
  CHECK(config_network(parse("regtest=1\ntestnet4=1\n")).error().message.starts_with("p.conf:2: a second network"));
  CHECK(config_network(parse("[main]\nregtest=1\n")).error().message.starts_with("p.conf:2: "));
  CHECK(config_network(parse("network=moon\n")).error().message.starts_with("p.conf:1: invalid value 'moon'"));
}

namespace {

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

} // namespace

TEST_CASE("peregrine.conf through the CLI: a bad value names its line, the command line wins, --conf is relative to the datadir") {
  peregrine::test::TempDir dir;
  const auto datadir = dir.path / "node";
  write_file(datadir / "peregrine.conf", "# test node\nregtest=1\n[regtest]\ndbcache=notanumber\n");
  const std::string datadir_arg = "--datadir=" + datadir.string();

  auto bad = peregrine::test::run_cli({"utxo-stats", datadir_arg});
  // utxo-stats has no --dbcache: ignored, and the network came from the file.
  CHECK_MESSAGE(bad.err.find("notanumber") == std::string::npos, bad.err);

  auto import = peregrine::test::run_cli({"import", datadir_arg});
  CHECK(import.code == 2);
  CHECK_MESSAGE(import.err.find(fmt::format("[--dbcache from {}:4]", (datadir / "peregrine.conf").string())) != std::string::npos,
                import.err);

  // The command line's --dbcache wins: the file's bad value is never read, the next check speaks.
  auto overridden = peregrine::test::run_cli({"import", datadir_arg, "--dbcache=4"});
  CHECK(overridden.code == 2);
  CHECK_MESSAGE(overridden.err.find("no block files") != std::string::npos, overridden.err);
  CHECK(overridden.err.find("dbcache") == std::string::npos);

  write_file(datadir / "other.conf", "nonsense=1\n");
  auto other = peregrine::test::run_cli({"import", datadir_arg, "--conf=other.conf"});
  CHECK(other.code == 2);
  CHECK_MESSAGE(other.err.find(fmt::format("{}:1: unknown option 'nonsense'", (datadir / "other.conf").string())) !=
                    std::string::npos,
                other.err);

  auto missing = peregrine::test::run_cli({"import", datadir_arg, "--conf=absent.conf"});
  CHECK(missing.code == 2);
  CHECK(missing.err.find("absent.conf not found") != std::string::npos);

  write_file(datadir / "peregrine.conf", "datadir=/elsewhere\n");
  auto moved = peregrine::test::run_cli({"utxo-stats", datadir_arg});
  CHECK(moved.code == 2);
  CHECK(moved.err.find("peregrine.conf:1: datadir cannot be set in the datadir's own peregrine.conf") != std::string::npos);
}
