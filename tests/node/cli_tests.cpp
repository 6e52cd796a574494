#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "node/cli.hpp"
#include "node/commands.hpp"
#include "run_cli.hpp"

using namespace peregrine::node;

namespace {

using Run = peregrine::test::CliRun;
constexpr auto run = peregrine::test::run_cli;

const OptionSpec kOptions[] = {
    {"network", ArgKind::value, "NAME", ""},
    {"connect", ArgKind::list, "HOST:PORT", ""},
    {"stop-at-tip", ArgKind::flag, "", ""},
    {"help", ArgKind::flag, "", ""},
};

} // namespace

TEST_CASE("parse_args: both value forms, repeatable lists, flags and positional arguments") {
  std::vector<std::string> args = {"--network=regtest", "file1", "--connect", "127.0.0.1:18444",
                                   "--connect=[::1]:18444", "--stop-at-tip", "--", "--file2"};
  auto parsed = parse_args(args, kOptions);
  REQUIRE(parsed.has_value());
  CHECK(parsed->value("network") == "regtest");
  CHECK(parsed->values("connect") == std::vector<std::string>{"127.0.0.1:18444", "[::1]:18444"});
  CHECK(parsed->has("stop-at-tip"));
  CHECK_FALSE(parsed->has("help"));
  CHECK(parsed->positional() == std::vector<std::string>{"file1", "--file2"});
}

TEST_CASE("parse_args: the last of a repeated single-value option wins") {
  std::vector<std::string> args = {"--network=main", "--network=regtest"};
  CHECK(parse_args(args, kOptions)->value("network") == "regtest");
}

TEST_CASE("parse_args: --noNAME turns a flag off (the last of the two wins) and gives a value option 0, as Core's -noNAME") {
  std::vector<std::string> off = {"--stop-at-tip", "--nostop-at-tip", "--nonetwork"};
  auto parsed = parse_args(off, kOptions);
  REQUIRE(parsed.has_value());
  CHECK_FALSE(parsed->has("stop-at-tip"));
  CHECK(parsed->given("stop-at-tip")); // a configuration file cannot turn it back on
  CHECK(parsed->value("network") == "0");
  std::vector<std::string> on = {"--nostop-at-tip", "--stop-at-tip"};
  CHECK(parse_args(on, kOptions)->has("stop-at-tip"));
  std::vector<std::string> list = {"--noconnect"};
  CHECK(parse_args(list, kOptions).error().message == "unknown option '--noconnect'");
  std::vector<std::string> valued = {"--nostop-at-tip=1"};
  CHECK_FALSE(parse_args(valued, kOptions).has_value());
}

TEST_CASE("parse_args: every malformed argument is a usage error naming it") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"-x"}, "unknown option '-x'"},
      {{"--network"}, "option '--network' needs a value (NAME)"},
      {{"--network="}, "option '--network' needs a non-empty value"},
      {{"--stop-at-tip=1"}, "option '--stop-at-tip' takes no value"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_args(c.args, kOptions);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message == c.message);
  }
}

TEST_CASE("parse_uint_option checks syntax and range") {
  const OptionSpec opts[] = {{"par", ArgKind::value, "N", ""}};
  auto get = [&](std::string arg) {
    std::vector<std::string> args = {arg};
    return parse_uint_option(*parse_args(args, opts), "par", 0, 1, 64);
  };
  CHECK(get("--par=8").value() == 8);
  CHECK_FALSE(get("--par=0").has_value());
  CHECK_FALSE(get("--par=65").has_value());
  CHECK_FALSE(get("--par=8x").has_value());
  CHECK_FALSE(get("--par=-1").has_value());
  CHECK(get("--par=x").error().message.find("--par") != std::string::npos);
}

TEST_CASE("peregrine --version, --help and COMMAND --help succeed") {
  auto version = run({"--version"});
  CHECK(version.code == kExitOk);
  CHECK(version.out.starts_with("peregrine "));

  auto help = run({"--help"});
  CHECK(help.code == kExitOk);
  for (const char* command : {"sync", "import", "verify-block", "check-headers", "utxo-stats", "bench", "decode"}) {
    CHECK(help.out.find(command) != std::string::npos);
  }
  auto decode_help = run({"decode", "-h"});
  CHECK(decode_help.code == kExitOk);
  CHECK(decode_help.out.starts_with("Usage: peregrine decode"));
}

TEST_CASE("usage errors exit with code 2 and a clear message") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{}, "Usage: peregrine"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"decode", "--frob"}, "unknown option '--frob'"},
      {{"--network=mainnet", "decode", "x"}, "invalid value 'mainnet' for --network"},
      {{"decode"}, "'decode' expects arguments: FILE"},
      {{"decode", "a", "b"}, "'decode' expects arguments: FILE"},
      {{"utxo-stats", "extra"}, "'utxo-stats' expects no arguments"},
      {{"bench", "decode", "--seconds=0"}, "invalid value '0' for --seconds"},
      {{"bench", "nosuch"}, "unknown benchmark 'nosuch'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    auto r = run(c.args);
    CHECK(r.code == kExitUsage);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
}

TEST_CASE("global options are accepted before and after the command") {
  const std::string missing = "/nonexistent/peregrine-cli-test";
  auto before = run({"--network", "regtest", "--datadir", missing, "utxo-stats"});
  auto after = run({"utxo-stats", "--network=regtest", "--datadir", missing});
  // The command runs with the datadir given on either side (exit code 1, not a usage error).
  CHECK(before.code == kExitFailure);
  CHECK(after.code == kExitFailure);
  CHECK(before.err.find("no datadir " + missing) != std::string::npos);
  CHECK(after.err.find("no datadir " + missing) != std::string::npos);
}

TEST_CASE("the default datadir has the network's suffix") {
  CHECK(default_datadir(peregrine::consensus::Network::main).filename() == ".peregrine");
  CHECK(default_datadir(peregrine::consensus::Network::regtest).filename() == "regtest");
}
