#include <doctest/doctest.h>

#include <string>

#include "consensus/chainparams.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "util/json.hpp"
#include "wire/blk_file.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
namespace json = peregrine::util::json;

namespace {


const json::Value& field(const json::Value& v, std::string_view key) {
  const json::Value* f = v.find(key);
  REQUIRE_MESSAGE(f != nullptr, key);
  return *f;
}

std::string str(const json::Value& v, std::string_view key) { return *field(v, key).as_string(); }
std::int64_t num(const json::Value& v, std::string_view key) { return *field(v, key).as_int64(); }

std::string embedded_with(std::string_view from, std::string_view to) {
  std::string text(embedded_chain_params_json());
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

} // namespace

TEST_CASE("every network's genesis block is rebuilt byte for byte from its parameters") {
  json::Value shared = test::load_shared_json("chain/chainparams.json");
  for (Network n : kAllNetworks) {
    CAPTURE(to_string(n));
    const ChainParams& p = chain_params(n);
    const json::Value& genesis = field(field(field(shared, "networks"), to_string(n)), "genesis");
    CHECK(util::to_hex(wire::to_bytes(p.genesis)) == str(genesis, "raw_block_hex"));
    CHECK(p.genesis_hash.to_hex() == str(genesis, "hash"));
    CHECK(p.genesis.header.merkle_root.to_hex() == str(genesis, "merkle_root"));
  }
}

TEST_CASE("our chainparams.json agrees with every fact in the shared chainparams") {
  json::Value shared = test::load_shared_json("chain/chainparams.json");
  for (Network n : kAllNetworks) {
    CAPTURE(to_string(n));
    const ChainParams& p = chain_params(n);
    const json::Value& s = field(field(shared, "networks"), to_string(n));
    CHECK(util::to_hex(p.magic) == str(s, "message_start"));
    CHECK(p.default_port == num(s, "default_port"));
    CHECK(p.rpc_port == num(s, "rpc_port"));
    CHECK(p.datadir_suffix == str(s, "datadir_suffix"));
    CHECK(p.bech32_hrp == str(s, "bech32_hrp"));
    CHECK(p.base58_pubkey_prefix == num(field(s, "base58"), "PUBKEY_ADDRESS"));
    CHECK(p.base58_script_prefix == num(field(s, "base58"), "SCRIPT_ADDRESS"));
    CHECK(p.subsidy_halving_interval == num(s, "subsidy_halving_interval"));
    CHECK(p.bip34_height == num(s, "BIP34Height"));
    if (s.find("BIP34Hash")) CHECK(p.bip34_hash.to_hex() == str(s, "BIP34Hash"));
    CHECK(p.bip65_height == num(s, "BIP65Height"));
    CHECK(p.bip66_height == num(s, "BIP66Height"));
    CHECK(p.csv_height == num(s, "CSVHeight"));
    CHECK(p.segwit_height == num(s, "SegwitHeight"));
    CHECK(p.taproot_height == num(s, "TaprootHeight"));
    CHECK(p.pow_limit.to_hex() == str(s, "powLimit"));
    CHECK(p.pow_target_timespan == num(s, "nPowTargetTimespan"));
    CHECK(p.pow_target_spacing == num(s, "nPowTargetSpacing"));
    CHECK(p.pow_allow_min_difficulty_blocks == *field(s, "fPowAllowMinDifficultyBlocks").as_bool());
    CHECK(p.pow_no_retargeting == *field(s, "fPowNoRetargeting").as_bool());
    if (auto b = field(s, "enforce_BIP94").as_bool()) CHECK(p.enforce_bip94 == *b);
    if (str(s, "nMinimumChainWork").size() == 64) {
      CHECK(p.minimum_chain_work.to_hex() == str(s, "nMinimumChainWork"));
    }
    if (str(s, "defaultAssumeValid").size() == 64) {
      CHECK(p.assume_valid.to_hex() == str(s, "defaultAssumeValid"));
      CHECK(p.assume_valid_height == num(s, "defaultAssumeValid_height"));
    }
    CHECK(p.headers_sync.commitment_period == num(field(s, "headers_sync_params"), "commitment_period"));
    CHECK(p.headers_sync.redownload_buffer_size ==
          num(field(s, "headers_sync_params"), "redownload_buffer_size"));

    const auto& checkpoints = *field(s, "historical_checkpoints").as_object();
    REQUIRE(p.checkpoints.size() == checkpoints.size());
    for (std::size_t i = 0; i < checkpoints.size(); ++i) {
      CHECK(std::to_string(p.checkpoints[i].height) == checkpoints[i].first);
      CHECK(p.checkpoints[i].hash.to_hex() == *checkpoints[i].second.as_string());
    }
    const auto& snapshots = *field(s, "assumeutxo").as_array();
    REQUIRE(p.assumeutxo.size() == snapshots.size());
    for (std::size_t i = 0; i < snapshots.size(); ++i) {
      CHECK(p.assumeutxo[i].height == num(snapshots[i], "height"));
      CHECK(p.assumeutxo[i].block_hash.to_hex() == str(snapshots[i], "blockhash"));
      CHECK(p.assumeutxo[i].hash_serialized.to_hex() == str(snapshots[i], "hash_serialized"));
      CHECK(p.assumeutxo[i].chain_tx_count == *field(snapshots[i], "chain_tx_count").as_uint64());
    }
    if (const json::Value* tx_data = s.find("chainTxData")) {
      CHECK(p.chain_tx_data.time == num(*tx_data, "nTime"));
      CHECK(p.chain_tx_data.tx_count == *field(*tx_data, "tx_count").as_uint64());
      CHECK(p.chain_tx_data.tx_rate == *field(*tx_data, "dTxRate").as_double());
    }
    std::size_t seeds = 0;
    for (const auto& seed : *field(s, "dns_seeds").as_array()) {
      if (!seed.as_string()->ends_with(".invalid.")) CHECK(p.dns_seeds.at(seeds++) == *seed.as_string());
    }
    CHECK(p.dns_seeds.size() == seeds);
    if (const json::Value* exceptions = s.find("script_flag_exceptions")) {
      CHECK(p.script_flag_exceptions.size() == exceptions->as_object()->size());
    }
  }
}

TEST_CASE("the real chain files start at our genesis blocks") {
  struct Case {
    Network network;
    const char* file;
  };
  for (auto [network, file] : {Case{Network::main, "chain/mainnet_blocks_0_599.blk"},
                               Case{Network::testnet3, "chain/testnet3_blocks_0_4000.blk"},
                               Case{Network::regtest, "chain/regtest_blocks_0_206.blk"}}) {
    CAPTURE(to_string(network));
    Bytes bytes = test::load_shared(file);
    wire::Reader r(bytes);
    auto first = wire::read_blk_record(r, chain_params(network).magic);
    REQUIRE(first.has_value());
    auto block = wire::from_bytes<wire::Block>(first->block);
    REQUIRE(block.has_value());
    CHECK(*block == chain_params(network).genesis);
  }
}

TEST_CASE("network names round-trip and unknown names are refused") {
  for (Network n : kAllNetworks) CHECK(parse_network(to_string(n)) == n);
  CHECK_FALSE(parse_network("mainnet").has_value());
  CHECK_FALSE(parse_network("").has_value());
  CHECK(chain_params(Network::signet).signet_challenge.size() > 0);
  CHECK(chain_params(Network::main).signet_challenge.empty());
}

TEST_CASE("a broken chainparams document is refused with the field named") {
  auto wrong_nonce = load_chain_params(embedded_with("\"nonce\": 2083236893", "\"nonce\": 2083236894"));
  REQUIRE_FALSE(wrong_nonce.has_value());
  CHECK(wrong_nonce.error().find("main genesis rebuilds to") != std::string::npos);

  auto missing = load_chain_params(embedded_with("\"rpc_port\": 18443,", ""));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error() == "chain parameters: networks.regtest.rpc_port: missing");

  auto bad_port = load_chain_params(embedded_with("\"default_port\": 8333", "\"default_port\": 70000"));
  REQUIRE_FALSE(bad_port.has_value());
  CHECK(bad_port.error().find("networks.main.default_port") != std::string::npos);

  auto bad_magic = load_chain_params(embedded_with("\"message_start\": \"f9beb4d9\"",
                                                   "\"message_start\": \"f9beb4\""));
  REQUIRE_FALSE(bad_magic.has_value());
  CHECK(bad_magic.error().find("networks.main.message_start") != std::string::npos);

  auto not_json = load_chain_params("{\"networks\": ");
  REQUIRE_FALSE(not_json.has_value());
  CHECK(not_json.error().starts_with("chain parameters: "));
}
