#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "consensus/chainparams.hpp"
#include "node/commands.hpp"
#include "node/decode_command.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "util/json.hpp"
#include "wire/codec.hpp"
#include "wire/message.hpp"

using namespace peregrine;
using namespace peregrine::node;
using consensus::Network;
namespace json = peregrine::util::json;

namespace {


std::string field(const Description& d, std::string_view key) {
  const json::Value* v = d.json.find(key);
  REQUIRE_MESSAGE(v != nullptr, key);
  return v->is_string() ? *v->as_string() : v->dump();
}

} // namespace

TEST_CASE("a raw block: hash, sizes, weight, tx count and its checks") {
  auto items = decode_items(test::load_shared("blocks/mainnet_481829.raw"), std::nullopt);
  REQUIRE(items.size() == 1);
  const auto& d = items[0];
  CHECK(d.ok);
  CHECK(field(d, "type") == "block");
  CHECK(field(d, "size") == "998318");
  CHECK(field(d, "merkle_root_valid") == "true");
  CHECK(field(d, "merkle_mutated") == "false");
  CHECK(field(d, "witness_commitment") == "valid");
  CHECK(std::stoul(field(d, "weight")) < 4'000'000);
  CHECK(std::stoul(field(d, "stripped_size")) < 998318);
}

TEST_CASE("a blk file gives one item per block with its network") {
  auto items = decode_items(test::load_shared("chain/mainnet_blocks_0_599.blk"), std::nullopt);
  REQUIRE(items.size() == 600);
  CHECK(field(items[0], "hash") == consensus::chain_params(Network::main).genesis_hash.to_hex());
  CHECK(field(items[0], "network") == "main");
  CHECK(field(items[0], "offset") == "0");
  CHECK(field(items[1], "prev_block") == field(items[0], "hash"));
  for (const auto& item : items) CHECK(item.ok);
}

TEST_CASE("a blk file for another network than --network is refused") {
  auto items = decode_items(test::load_shared("chain/testnet3_blocks_0_4000.blk"), Network::main);
  REQUIRE(items.size() == 1);
  CHECK_FALSE(items[0].ok);
  CHECK(field(items[0], "error").find("framed for testnet3, not main") != std::string::npos);
}

TEST_CASE("zero padding after the last record is not an item; garbage is an error") {
  Bytes file = test::load_shared("chain/regtest_blocks_0_206.blk");
  std::size_t blocks = decode_items(file, Network::regtest).size();
  Bytes padded = file;
  padded.resize(file.size() + 4096, 0);
  CHECK(decode_items(padded, Network::regtest).size() == blocks);
  Bytes garbage = file;
  garbage.push_back(0x42);
  auto items = decode_items(garbage, Network::regtest);
  REQUIRE(items.size() == blocks + 1);
  CHECK_FALSE(items.back().ok);
  CHECK(field(items.back(), "type") == "error");
}

TEST_CASE("a raw transaction and an undecodable input") {
  auto tx = decode_items(test::load_shared("blocks/megatx_bb41a757.bin"), std::nullopt);
  REQUIRE(tx.size() == 1);
  CHECK(tx[0].ok);
  CHECK(field(tx[0], "type") == "tx");
  CHECK(field(tx[0], "txid").starts_with("bb41a757"));
  CHECK(field(tx[0], "inputs") == "5569");

  Bytes junk = {0x01, 0x02, 0x03};
  auto bad = decode_items(junk, std::nullopt);
  REQUIRE(bad.size() == 1);
  CHECK_FALSE(bad[0].ok);
  CHECK(field(bad[0], "error").starts_with("neither a block (truncated"));
}

TEST_CASE("a message stream: every captured message, with command and checksum status") {
  json::Value doc = test::load_shared_json("p2p/bitcodec_captured_messages.json");
  for (const auto& entry : *doc.find("messages")->as_array()) {
    std::string command = *entry.find("command")->as_string();
    CAPTURE(command);
    bool checksum_valid = *entry.find("checksum_valid")->as_bool();
    auto items = decode_items(*util::from_hex(*entry.find("hex")->as_string()), std::nullopt);
    REQUIRE(items.size() >= 1);
    CHECK(field(items[0], "type") == "message");
    CHECK(field(items[0], "command") == command);
    CHECK(field(items[0], "checksum_valid") == (checksum_valid ? "true" : "false"));
    CHECK(items[0].ok == checksum_valid);
    if (!entry.find("trailing_bytes_hex")->as_string()->empty()) {
      REQUIRE(items.size() == 2);
      CHECK(field(items[1], "command") == "pong");
    }
  }
}

TEST_CASE("a framed block message is described with its block checks") {
  Bytes raw = test::load_shared("blocks/mainnet_482683.raw");
  wire::BlockMessage message{*wire::from_bytes<wire::Block>(raw)};
  Bytes framed = wire::encode_message(consensus::chain_params(Network::main).magic, message);
  auto items = decode_items(framed, std::nullopt);
  REQUIRE(items.size() == 1);
  CHECK(items[0].ok);
  const json::Value* payload = items[0].json.find("payload");
  REQUIRE(payload != nullptr);
  CHECK(*payload->find("witness_commitment")->as_string() == "valid");
}

TEST_CASE("file_bytes decodes hex dumps and keeps binary as it is") {
  CHECK(*file_bytes(Bytes{'0', '0', 'f', 'F', '\n'}) == Bytes{0x00, 0xff});
  Bytes binary = {0x01, 0x00, 'z'};
  CHECK(*file_bytes(binary) == binary);
  CHECK(file_bytes(Bytes{'a', 'b', 'c'}).error() == "hex input with an odd number of digits");
}

TEST_CASE("peregrine decode reads hex files and prints one JSON object per line") {
  auto dir = std::filesystem::temp_directory_path() / "peregrine_decode_test";
  std::filesystem::create_directories(dir);
  auto path = dir / "block.hex";
  {
    std::string hex = util::to_hex(test::load_shared("blocks/mainnet_482683.raw"));
    std::ofstream f(path);
    for (std::size_t i = 0; i < hex.size(); i += 60) f << hex.substr(i, 60) << "\n"; // xxd -p style
  }
  std::ostringstream out, err;
  std::vector<std::string> args = {"decode", path.string()};
  CHECK(run_cli(args, out, err) == kExitOk);
  auto line = json::parse(out.str().substr(0, out.str().find('\n')));
  REQUIRE(line.has_value());
  CHECK(*line->find("type")->as_string() == "block");

  std::ostringstream out2, err2;
  std::vector<std::string> missing = {"decode", (dir / "nope").string()};
  CHECK(run_cli(missing, out2, err2) == kExitFailure);
  CHECK(err2.str().find("nope") != std::string::npos);
  std::filesystem::remove_all(dir);
}
