#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "consensus/chainparams.hpp"
#include "consensus/spent_outputs.hpp"
#include "node/core_json.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/blk_file.hpp"
#include "wire/codec.hpp"
#include "wire/block.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
namespace json = util::json;

namespace {

json::Value load_case(const char* name) {
  auto text = util::read_text_file(test::test_data(name));
  REQUIRE_MESSAGE(text.has_value(), text.error());
  auto doc = json::parse(*text);
  REQUIRE_MESSAGE(doc.has_value(), name, ": ", doc.error().message);
  return std::move(*doc);
}

wire::Transaction decode_tx(const std::string& hex) {
  auto bytes = util::from_hex(hex);
  REQUIRE(bytes.has_value());
  auto tx = wire::from_bytes<wire::Transaction>(*bytes);
  REQUIRE(tx.has_value());
  return std::move(*tx);
}

json::Value parse(const char* text) {
  auto v = json::parse(text);
  REQUIRE_MESSAGE(v.has_value(), v.error().message);
  return std::move(*v);
}

// Compares member by member first, so a failure names the field that differs.
void check_same(const json::Value& got, const json::Value& want, const std::string& path = "") {
  CAPTURE(path);
  if (want.is_object() && got.is_object()) {
    const auto& w = *want.as_object();
    const auto& g = *got.as_object();
    for (std::size_t i = 0; i < std::min(w.size(), g.size()); ++i) {
      CHECK(g[i].first == w[i].first);
      check_same(g[i].second, w[i].second, path + "." + w[i].first);
    }
    CHECK(g.size() == w.size());
  } else if (want.is_array() && got.is_array()) {
    const auto& w = *want.as_array();
    const auto& g = *got.as_array();
    REQUIRE(g.size() == w.size());
    for (std::size_t i = 0; i < w.size(); ++i)
      check_same(g[i], w[i], path + "[" + std::to_string(i) + "]");
  } else {
    CHECK(got.dump() == want.dump());
  }
}

// Mainnet blocks 0-599 from the shared data, in height order.
std::vector<wire::Block> mainnet_blocks(std::size_t count) {
  static const Bytes bytes = test::load_shared("chain/mainnet_blocks_0_599.blk");
  wire::Reader r(bytes);
  std::vector<wire::Block> blocks;
  while (blocks.size() < count) {
    auto record = wire::read_blk_record(r, chain_params(Network::main).magic);
    REQUIRE(record.has_value());
    auto block = wire::from_bytes<wire::Block>(record->block);
    REQUIRE(block.has_value());
    blocks.push_back(std::move(*block));
  }
  return blocks;
}

} // namespace

TEST_CASE("amounts are BTC with exactly eight decimals, as Core's ValueFromAmount") {
  CHECK(node::amount_json(0).dump() == "0.00000000");
  CHECK(node::amount_json(5'000'000'000).dump() == "50.00000000");
  CHECK(node::amount_json(10'000).dump() == "0.00010000");
  CHECK(node::amount_json(1).dump() == "0.00000001");
  CHECK(node::amount_json(-1).dump() == "-0.00000001");
  CHECK(node::amount_json(-150'000'000).dump() == "-1.50000000");
  CHECK(node::amount_json(2'100'000'000'000'000).dump() == "21000000.00000000");
  CHECK(node::amount_json(std::numeric_limits<std::int64_t>::max()).dump() ==
        "92233720368.54775807");
  CHECK(node::amount_json(std::numeric_limits<std::int64_t>::min()).dump() ==
        "-92233720368.54775808");
  CHECK(node::amount_json(123).as_double() == doctest::Approx(0.00000123));
}

TEST_CASE("the genesis coinbase matches Core's documented getblock verbosity 2 entry") {
  const auto& main = chain_params(Network::main);
  const json::Value doc = load_case("core_json/genesis_coinbase_getblock2.json");
  const json::Value got = node::tx_json(main.genesis.txs[0], main);
  check_same(got, *doc.find("expected"));
  CHECK(got == *doc.find("expected"));
}

TEST_CASE("transactions match Core's documented decoderawtransaction output field by field") {
  for (const char* name : {"core_json/block170_f4184fc5.json",
                           "core_json/regtest_taproot_keypath_628ed228.json",
                           "core_json/regtest_taproot_scriptpath_a32c20e0.json"}) {
    CAPTURE(name);
    const json::Value doc = load_case(name);
    auto network = parse_network(*doc.find("network")->as_string());
    REQUIRE(network.has_value());
    const wire::Transaction tx = decode_tx(*doc.find("hex")->as_string());
    // decoderawtransaction is TxToUniv without hex, fee or block hash.
    node::TxJsonOptions options;
    options.include_hex = false;
    const json::Value got = node::tx_json(tx, chain_params(*network), options);
    check_same(got, *doc.find("expected"));
    CHECK(got == *doc.find("expected"));
  }
}

TEST_CASE("block 170's payment with block 9's coinbase as its spent coin: fee and prevout") {
  const auto blocks = mainnet_blocks(171);
  const auto& main = chain_params(Network::main);
  const wire::Transaction& payment = blocks[170].txs.at(1);
  REQUIRE(wire::txid(payment).to_hex() ==
          "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16");
  const wire::Transaction& coinbase9 = blocks[9].txs.at(0);
  REQUIRE(wire::txid(coinbase9) == payment.inputs[0].prevout.txid);
  const std::vector<Coin> spent = {Coin{coinbase9.outputs[0], 9, true}};

  node::TxJsonOptions verbosity3;
  verbosity3.spent_coins = spent;
  verbosity3.show_prevouts = true;
  const json::Value got = node::tx_json(payment, main, verbosity3);
  const json::Value want_prevout = parse(R"({
    "generated": true, "height": 9, "value": 50.00000000,
    "scriptPubKey": {
      "asm": "0411db93e1dcdb8a016b49840f8c53bc1eb68a382e97b1482ecad7b148a6909a5cb2e0eaddfb84ccf9744464f82e160bfa9b8b64f9d4c03f999b8643f656b412a3 OP_CHECKSIG",
      "desc": "pk(0411db93e1dcdb8a016b49840f8c53bc1eb68a382e97b1482ecad7b148a6909a5cb2e0eaddfb84ccf9744464f82e160bfa9b8b64f9d4c03f999b8643f656b412a3)#u7qfa49l",
      "hex": "410411db93e1dcdb8a016b49840f8c53bc1eb68a382e97b1482ecad7b148a6909a5cb2e0eaddfb84ccf9744464f82e160bfa9b8b64f9d4c03f999b8643f656b412a3ac",
      "type": "pubkey"}})");
  const json::Value& vin0 = (*got.find("vin")->as_array())[0];
  REQUIRE(vin0.find("prevout") != nullptr);
  check_same(*vin0.find("prevout"), want_prevout);
  // Core's order: txid, vout, scriptSig, (txinwitness), prevout, sequence.
  std::vector<std::string> keys;
  for (const auto& [k, v] : *vin0.as_object()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"txid", "vout", "scriptSig", "prevout", "sequence"});
  REQUIRE(got.find("fee") != nullptr);
  CHECK(got.find("fee")->dump() == "0.00000000");
  std::vector<std::string> top;
  for (const auto& [k, v] : *got.as_object()) top.push_back(k);
  CHECK(top == std::vector<std::string>{"txid", "hash", "version", "size", "vsize", "weight",
                                        "locktime", "vin", "vout", "fee", "hex"});
  CHECK(*got.find("hex")->as_string() == util::to_hex(wire::serialize(payment)));

  // Verbosity 2 with undo data: the fee, but no prevout.
  node::TxJsonOptions verbosity2;
  verbosity2.spent_coins = spent;
  const json::Value v2 = node::tx_json(payment, main, verbosity2);
  CHECK(v2.find("fee") != nullptr);
  CHECK((*v2.find("vin")->as_array())[0].find("prevout") == nullptr);

  // A fee that is not zero: pretend the coin was worth more.
  const std::vector<Coin> richer = {Coin{wire::TxOut{5'000'010'000, {}}, 9, true}};
  verbosity2.spent_coins = richer;
  CHECK(node::tx_json(payment, main, verbosity2).find("fee")->dump() == "0.00010000");
}

TEST_CASE("coins that do not fit the transaction are ignored, never read past") {
  const auto& main = chain_params(Network::main);
  const wire::Transaction& genesis_cb = main.genesis.txs[0];
  const std::vector<Coin> one = {Coin{genesis_cb.outputs[0], 0, true}};
  node::TxJsonOptions options;
  options.spent_coins = one;
  options.show_prevouts = true;
  // The coinbase spends nothing: no fee and no prevout even when coins are passed.
  const json::Value cb = node::tx_json(genesis_cb, main, options);
  CHECK(cb.find("fee") == nullptr);
  CHECK((*cb.find("vin")->as_array())[0].find("prevout") == nullptr);

  wire::Transaction two_inputs;
  two_inputs.inputs.resize(2);
  two_inputs.inputs[0].prevout.txid.bytes[0] = 1;
  two_inputs.inputs[1].prevout.txid.bytes[0] = 2;
  const json::Value mismatch = node::tx_json(two_inputs, main, options);
  CHECK(mismatch.find("fee") == nullptr);
}

TEST_CASE("the block hash option adds getrawtransaction's blockhash before hex") {
  const auto& main = chain_params(Network::main);
  node::TxJsonOptions options;
  options.block_hash = main.genesis_hash;
  const json::Value got = node::tx_json(main.genesis.txs[0], main, options);
  const auto& members = *got.as_object();
  REQUIRE(members.size() >= 2);
  CHECK(members[members.size() - 2].first == "blockhash");
  CHECK(*members[members.size() - 2].second.as_string() ==
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
  CHECK(members.back().first == "hex");
}

TEST_CASE("scriptPubKey JSON as gettxout and getblock show it") {
  const auto& main = chain_params(Network::main);
  const Bytes p2wpkh = *util::from_hex("00147752c165ea7be772b2c0acb7f4d6047ae6f4768e");
  check_same(node::script_pubkey_json(p2wpkh, main), parse(R"({
    "asm": "0 7752c165ea7be772b2c0acb7f4d6047ae6f4768e",
    "desc": "addr(bc1qwafvze0200nh9vkq4jmlf4sy0tn0ga5w0zpkpg)#qq404gts",
    "hex": "00147752c165ea7be772b2c0acb7f4d6047ae6f4768e",
    "address": "bc1qwafvze0200nh9vkq4jmlf4sy0tn0ga5w0zpkpg",
    "type": "witness_v0_keyhash"})"));
  const Bytes p2tr =
      *util::from_hex("51203b8b3ab1453eb47e2d4903b963776680e30863df3625d3e74292338ae7928da1");
  check_same(node::script_pubkey_json(p2tr, main), parse(R"({
    "asm": "1 3b8b3ab1453eb47e2d4903b963776680e30863df3625d3e74292338ae7928da1",
    "desc": "rawtr(3b8b3ab1453eb47e2d4903b963776680e30863df3625d3e74292338ae7928da1)#tv35u9pg",
    "hex": "51203b8b3ab1453eb47e2d4903b963776680e30863df3625d3e74292338ae7928da1",
    "address": "bc1p8w9n4v298668ut2fqwukxamxsr3ssc7lxcja8e6zjgec4euj3ksswckxz6",
    "type": "witness_v1_taproot"})"));
  // Without include_address: no desc, no address (Core's ScriptToUniv with include_address false).
  node::ScriptJsonOptions bare;
  bare.include_address = false;
  check_same(node::script_pubkey_json(p2wpkh, main, bare), parse(R"({
    "asm": "0 7752c165ea7be772b2c0acb7f4d6047ae6f4768e",
    "hex": "00147752c165ea7be772b2c0acb7f4d6047ae6f4768e",
    "type": "witness_v0_keyhash"})"));
}

TEST_CASE("arbitrary scripts always give valid JSON with every scriptPubKey field") {
  const auto& main = chain_params(Network::main);
  // A fixed-seed generator biased toward push opcodes and their length bytes, so truncated
  // pushes, PUSHDATA lengths past the end and template look-alikes all come up.
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::uint8_t interesting[] = {0x00, 0x01, 0x14, 0x20, 0x21, 0x41, 0x4c, 0x4d, 0x4e, 0x4f,
                                      0x51, 0x52, 0x60, 0x6a, 0x76, 0x87, 0x88, 0xa9, 0xac, 0xae};
  for (int i = 0; i < 3000; ++i) {
    Bytes script(next() % 80);
    for (auto& b : script) {
      const auto r = next();
      b = (r & 1) ? interesting[(r >> 1) % std::size(interesting)]
                  : static_cast<std::uint8_t>(r >> 8);
    }
    const json::Value v = node::script_pubkey_json(script, main);
    auto reparsed = json::parse(v.dump());
    REQUIRE(reparsed.has_value());
    CHECK(*reparsed == v);
    REQUIRE(v.find("asm") != nullptr);
    REQUIRE(v.find("desc") != nullptr);
    REQUIRE(v.find("type") != nullptr);
    CHECK(*v.find("hex")->as_string() == util::to_hex(script));
    const std::string& desc = *v.find("desc")->as_string();
    CHECK(desc.size() > 9);
    CHECK(desc[desc.size() - 9] == '#');
  }
}

TEST_CASE("block 367,891 with its spent coins: the fees add up to what the coinbase claims") {
  auto block = wire::from_bytes<wire::Block>(test::load_shared("blocks/mainnet_367891.raw"));
  REQUIRE(block.has_value());
  auto text = util::read_text_file(test::shared_data("blocks/mainnet_367891.spent.json"));
  REQUIRE(text.has_value());
  auto coins = parse_spent_outputs(*text);
  REQUIRE(coins.has_value());
  const auto& main = chain_params(Network::main);

  // Fees are read back from the JSON lexemes ("0.00010000") in satoshis.
  auto satoshis = [](const json::Value& amount) {
    std::string digits = *amount.number_lexeme();
    REQUIRE(digits.size() > 9);
    REQUIRE(digits[digits.size() - 9] == '.');
    digits.erase(digits.size() - 9, 1);
    return std::stoll(digits);
  };
  std::int64_t fees = 0;
  std::size_t next_coin = 0;
  std::size_t prevouts = 0;
  for (std::size_t i = 1; i < block->txs.size(); ++i) {
    const wire::Transaction& tx = block->txs[i];
    node::TxJsonOptions options;
    options.spent_coins = std::span(*coins).subspan(next_coin, tx.inputs.size());
    options.show_prevouts = true;
    next_coin += tx.inputs.size();
    const json::Value v = node::tx_json(tx, main, options);
    REQUIRE(v.find("fee") != nullptr);
    fees += satoshis(*v.find("fee"));
    for (const auto& in : *v.find("vin")->as_array()) prevouts += in.find("prevout") != nullptr;
  }
  CHECK(next_coin == coins->size());
  CHECK(prevouts == coins->size());
  std::int64_t claimed = 0;
  for (const auto& out : block->txs[0].outputs) claimed += out.value;
  const std::int64_t subsidy = 2'500'000'000; // 25 BTC at height 367,891
  CHECK(fees == claimed - subsidy);
  CHECK(fees > 0);
}
