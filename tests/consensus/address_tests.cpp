#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>

#include "consensus/address.hpp"
#include "consensus/chainparams.hpp"
#include "crypto/hash160.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

Bytes hex(const char* s) { return *util::from_hex(s); }

} // namespace

TEST_CASE("every address in Bitcoin Core's key_io_valid vectors comes from its script") {
  util::json::Value doc = test::load_shared_json("core-vectors/key_io_valid.json");
  int checked = 0;
  for (const auto& vec : *doc.as_array()) {
    const auto& item = *vec.as_array();
    const util::json::Value& meta = item[2];
    if (*meta.find("isPrivkey")->as_bool()) continue;
    const std::string& expected = *item[0].as_string();
    auto network = parse_network(*meta.find("chain")->as_string());
    REQUIRE(network.has_value());
    auto script = util::from_hex(*item[1].as_string());
    REQUIRE(script.has_value());
    CAPTURE(expected);
    auto address = script_address(*script, chain_params(*network));
    REQUIRE(address.has_value());
    // Bech32 may be written in either case; we write lowercase as Core does.
    std::string want = expected;
    if (meta.find("tryCaseFlip")) {
      std::ranges::transform(want, want.begin(), [](unsigned char c) { return std::tolower(c); });
    }
    CHECK(*address == want);
    ++checked;
  }
  CHECK(checked >= 30);
}

TEST_CASE("the pay-to-anchor script has Core's fixed address on every network") {
  const Bytes anchor = hex("51024e73");
  CHECK(script_address(anchor, chain_params(Network::main)) == "bc1pfeessrawgf");
  CHECK(script_address(anchor, chain_params(Network::regtest)) == "bcrt1pfeesnyr2tx");
}

TEST_CASE("scripts without an address in Core have none here") {
  const auto& main = chain_params(Network::main);
  // P2PK (Core has a destination but no address), bare multisig, OP_RETURN, nonstandard,
  // a v0 program of the wrong size, an empty script.
  CHECK_FALSE(script_address(main.genesis.txs[0].outputs[0].script_pubkey, main));
  CHECK_FALSE(script_address(
      hex("5121034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa51ae"), main));
  CHECK_FALSE(script_address(hex("6a0401020304"), main));
  CHECK_FALSE(script_address(hex("51"), main));
  CHECK_FALSE(script_address(hex("0015751e76e8199196d454941c45d1b3a323f1433bd6aa"), main));
  CHECK_FALSE(script_address(Bytes{}, main));
}

TEST_CASE("base58check puts the version byte and a double-SHA256 checksum around the payload") {
  // Block 9's coinbase key, whose P2PKH address is the well-known
  // 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S.
  const Bytes key = hex("0411db93e1dcdb8a016b49840f8c53bc1eb68a382e97b1482ecad7b148a6909a5cb2e0ea"
                        "ddfb84ccf9744464f82e160bfa9b8b64f9d4c03f999b8643f656b412a3");
  const auto key_hash = crypto::hash160(key);
  CHECK(base58check_encode(0, key_hash) == "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S");
  CHECK(base58check_encode(111, key_hash) == "mh8YhPYEAYs3E7EVyKtB5xrcfMExkkdEMF");
}
