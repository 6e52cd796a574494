// --signetchallenge and the BIP325 check end to end: `peregrine import` (the chain state's block
// connection, as sync uses it) takes the real default-signet blocks 1-10, and refuses block 1 on a
// custom signet that needs both of its keys.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "consensus/signet.hpp"
#include "run_cli.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using peregrine::test::field;
using peregrine::test::summary;
constexpr auto run = peregrine::test::run_cli;

namespace {

const std::string kDefaultChallenge =
    "512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e086be430210359ef5021964fe22d6f8e05b2463c9540ce96883"
    "fe3b278760f048f5189f2e6c452ae";

// The same two keys, both required.
std::string two_of_two() { return "52" + kDefaultChallenge.substr(2); }

// Blocks 1-10 framed as a blk file for the network with this message start.
std::filesystem::path write_blk(const test::TempDir& dir, const wire::Magic& magic) {
  auto text = util::read_text_file(test::shared_data("chain/signet_blocks_1_10.hex"));
  REQUIRE_MESSAGE(text.has_value(), text.error());
  Bytes file;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto raw = util::from_hex(line);
    REQUIRE(raw.has_value());
    file.insert(file.end(), magic.begin(), magic.end());
    for (int i = 0; i < 4; ++i) file.push_back(static_cast<std::uint8_t>(raw->size() >> (8 * i)));
    file.insert(file.end(), raw->begin(), raw->end());
  }
  std::filesystem::create_directories(dir.path);
  const auto path = dir.path / "signet.blk";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(file.data()),
                                               static_cast<std::streamsize>(file.size()));
  return path;
}

test::CliRun import(const test::TempDir& datadir, const std::filesystem::path& file, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"import", "--network=signet", "--datadir=" + datadir.path.string(), "--assumevalid=0"};
  args.insert(args.end(), more.begin(), more.end());
  args.push_back(file.string());
  return run(args);
}

} // namespace

TEST_CASE("signet import: the real blocks 1-10 are accepted under the default challenge") {
  test::TempDir files("peregrine-signet-blk");
  test::TempDir datadir("peregrine-signet-default");
  auto r = import(datadir, write_blk(files, consensus::chain_params(consensus::Network::signet).magic));
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(field(summary(r), "height") == "10");
}

TEST_CASE("signet import: the default challenge given explicitly is the same network") {
  const auto challenge = util::from_hex(kDefaultChallenge).value();
  CHECK(consensus::signet_message_start(challenge) == consensus::chain_params(consensus::Network::signet).magic);
  test::TempDir files("peregrine-signet-blk-same");
  test::TempDir datadir("peregrine-signet-same");
  auto r = import(datadir, write_blk(files, consensus::signet_message_start(challenge)),
                  {"--signetchallenge=" + kDefaultChallenge});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(field(summary(r), "height") == "10");
}

TEST_CASE("signet import: under a 2-of-2 of the same keys, block 1 is invalid (bad-signet-blksig)") {
  const auto challenge = util::from_hex(two_of_two()).value();
  test::TempDir files("peregrine-signet-blk-2of2");
  test::TempDir datadir("peregrine-signet-2of2");
  auto r = import(datadir, write_blk(files, consensus::signet_message_start(challenge)),
                  {"--signetchallenge=" + two_of_two()});
  CHECK(r.code == 1);
  auto s = summary(r);
  CHECK(field(s, "height") == "0");
  const auto* invalid = s.find("invalid");
  REQUIRE(invalid != nullptr);
  REQUIRE(invalid->as_array()->size() >= 1);
  CHECK(field(invalid->as_array()->at(0), "height") == "1");
  CHECK(field(invalid->as_array()->at(0), "reason").starts_with("bad-signet-blksig"));
}

TEST_CASE("--signetchallenge: hex for signet only, else a usage error") {
  test::TempDir datadir("peregrine-signet-usage");
  const std::string dir = "--datadir=" + datadir.path.string();
  for (std::string bad : {"zz", "5", "", "51ae0"}) {
    CAPTURE(bad);
    auto r = run({"utxo-stats", "--network=signet", dir, "--signetchallenge=" + bad});
    CHECK(r.code == 2);
    CHECK(r.err.find("--signetchallenge") != std::string::npos);
  }
  auto r = run({"utxo-stats", "--network=regtest", dir, "--signetchallenge=51"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--signetchallenge needs --network=signet") != std::string::npos);
  auto help = run({"sync", "--help"});
  CHECK(help.out.find("--signetchallenge") != std::string::npos);
}
