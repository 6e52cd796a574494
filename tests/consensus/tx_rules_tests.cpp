// Transaction rules around the scripts: CheckTransaction, CheckTxInputs, sigop counting, lock
// times (BIP113, BIP68), the flags per block, BIP34 heights and the spent-outputs document.
#include <doctest/doctest.h>

#include <map>

#include "consensus/chainparams.hpp"
#include "consensus/coinbase.hpp"
#include "consensus/script/opcodes.hpp"
#include "consensus/script/script_pattern.hpp"
#include "consensus/script/script_type.hpp"
#include "consensus/script_flags_for_block.hpp"
#include "consensus/sigops.hpp"
#include "consensus/spent_outputs.hpp"
#include "consensus/tx_check.hpp"
#include "consensus/tx_finality.hpp"
#include "test_signer.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

wire::Transaction simple_tx() {
  wire::Transaction tx = test::one_input_tx(1000);
  return tx;
}

Bytes hex(std::string_view h) { return *util::from_hex(h); }

} // namespace

TEST_CASE("check_transaction: every context-free rule, in Core's order") {
  CHECK(check_transaction(simple_tx()).has_value());
  wire::Transaction tx = simple_tx();
  tx.inputs.clear();
  CHECK(check_transaction(tx).error() == TxError::vin_empty);
  tx = simple_tx();
  tx.outputs.clear();
  CHECK(check_transaction(tx).error() == TxError::vout_empty);
  tx = simple_tx();
  tx.outputs[0].value = -1;
  CHECK(check_transaction(tx).error() == TxError::vout_negative);
  tx.outputs[0].value = kMaxMoney + 1;
  CHECK(check_transaction(tx).error() == TxError::vout_toolarge);
  tx.outputs[0].value = kMaxMoney;
  CHECK(check_transaction(tx).has_value());
  tx.outputs.push_back({1, {}});
  CHECK(check_transaction(tx).error() == TxError::txouttotal_toolarge);
  tx = simple_tx();
  tx.inputs.push_back(tx.inputs[0]);
  CHECK(check_transaction(tx).error() == TxError::inputs_duplicate);
  CHECK(to_string(TxError::inputs_duplicate) == "bad-txns-inputs-duplicate");
  tx = simple_tx();
  tx.inputs[0].prevout = {};
  tx.inputs[0].prevout.index = wire::OutPoint::kNullIndex;
  tx.inputs[0].script_sig = {0x01};
  CHECK(check_transaction(tx).error() == TxError::cb_length);
  tx.inputs[0].script_sig = Bytes(100, 0);
  CHECK(check_transaction(tx).has_value());
  tx.inputs[0].script_sig = Bytes(101, 0);
  CHECK(check_transaction(tx).error() == TxError::cb_length);
  tx.inputs.push_back(simple_tx().inputs[0]); // a null prevout in a non-coinbase
  CHECK(check_transaction(tx).error() == TxError::prevout_null);
  tx = simple_tx();
  tx.outputs[0].script_pubkey.resize(1'000'000); // 4 MB of weight without witness
  CHECK(check_transaction(tx).error() == TxError::oversize);
}

TEST_CASE("check_tx_inputs: maturity, value ranges, fees") {
  wire::Transaction tx = simple_tx();
  std::vector<Coin> coins = {{{1500, {}}, 100, false}};
  CHECK(*check_tx_inputs(tx, coins, 101) == 500);
  coins[0].coinbase = true;
  CHECK(check_tx_inputs(tx, coins, 199).error() == TxError::premature_spend_of_coinbase);
  CHECK(check_tx_inputs(tx, coins, 200).has_value());
  coins[0].output.value = 999;
  CHECK(check_tx_inputs(tx, coins, 300).error() == TxError::in_belowout);
  coins[0].output.value = -1;
  CHECK(check_tx_inputs(tx, coins, 300).error() == TxError::inputvalues_outofrange);
  CHECK(check_tx_inputs(tx, {}, 300).error() == TxError::inputs_missing);
}

TEST_CASE("sigops: legacy, P2SH and witness counts and the cost that combines them") {
  CHECK(count_sigops(hex("ac"), false) == 1);
  CHECK(count_sigops(hex("52ae"), false) == 20);    // 2 CHECKMULTISIG: inaccurate
  CHECK(count_sigops(hex("52ae"), true) == 2);      // accurate: the key count
  CHECK(count_sigops(hex("00ae"), true) == 20);     // OP_0 is not OP_1..OP_16
  CHECK(count_sigops(hex("ad4cffac"), false) == 1); // the truncated push ends counting
  const test::TestKey k = test::make_key(30);
  Bytes redeem = {OP_2};
  for (int i = 0; i < 3; ++i) {
    redeem.push_back(33);
    redeem.insert(redeem.end(), k.compressed.begin(), k.compressed.end());
  }
  redeem.push_back(OP_3);
  redeem.push_back(OP_CHECKMULTISIG);
  wire::Transaction tx = simple_tx();
  tx.inputs[0].script_sig = {OP_0, OP_PUSHDATA1, static_cast<std::uint8_t>(redeem.size())};
  tx.inputs[0].script_sig.insert(tx.inputs[0].script_sig.end(), redeem.begin(), redeem.end());
  tx.outputs[0].script_pubkey = test::p2pkh_script(k.compressed);
  std::vector<wire::TxOut> spent = {{1000, test::p2sh_script(redeem)}};
  CHECK(legacy_sigop_count(tx) == 1);
  CHECK(p2sh_sigop_count(tx, spent) == 3);
  CHECK(transaction_sigop_cost(tx, spent, verify::p2sh) == 4 * (1 + 3));
  CHECK(transaction_sigop_cost(tx, spent, verify::none) == 4);
  // Witness: P2WPKH counts 1, P2WSH its script, P2SH-wrapped the same; nothing without WITNESS.
  const Bytes p2wpkh = test::p2wpkh_script(k.compressed);
  CHECK(witness_sigop_count({}, p2wpkh, {}, verify::p2sh | verify::witness) == 1);
  CHECK(witness_sigop_count({}, p2wpkh, {}, verify::p2sh) == 0);
  const std::vector<Bytes> witness = {{}, redeem};
  CHECK(witness_sigop_count({}, test::p2wsh_script(redeem), witness,
                            verify::p2sh | verify::witness) == 3);
  Bytes wrapped_sig = {static_cast<std::uint8_t>(p2wpkh.size())};
  wrapped_sig.insert(wrapped_sig.end(), p2wpkh.begin(), p2wpkh.end());
  CHECK(witness_sigop_count(wrapped_sig, test::p2sh_script(p2wpkh), {},
                            verify::p2sh | verify::witness) == 1);
}

TEST_CASE("lock times: absolute (heights and times) and relative (BIP68)") {
  wire::Transaction tx = simple_tx();
  tx.lock_time = 0;
  CHECK(is_final_tx(tx, 1, 0));
  tx.lock_time = 100;
  CHECK_FALSE(is_final_tx(tx, 100, 0));
  CHECK(is_final_tx(tx, 101, 0));
  tx.lock_time = 600'000'000;
  CHECK_FALSE(is_final_tx(tx, 1'000'000, 600'000'000));
  CHECK(is_final_tx(tx, 1, 600'000'001));
  tx.inputs[0].sequence = kSequenceFinal;
  CHECK(is_final_tx(tx, 1, 0)); // every input final: the lock time does not apply

  const std::int64_t times[] = {10, 50, 20, 40, 30};
  CHECK(median_time_past(times) == 30);

  wire::Transaction rel = simple_tx();
  rel.version = 2;
  rel.inputs[0].sequence = 10; // 10 blocks
  const int heights[] = {1000};
  auto mtp = [](int h) { return std::int64_t{h} * 600; };
  SequenceLocks locks = sequence_locks(rel, true, heights, mtp);
  CHECK(locks.min_height == 1009);
  CHECK_FALSE(sequence_locks_satisfied(locks, 1009, 0));
  CHECK(sequence_locks_satisfied(locks, 1010, 0));
  rel.inputs[0].sequence = kSequenceLockTimeTypeFlag | 2; // 2 x 512 seconds
  locks = sequence_locks(rel, true, heights, mtp);
  CHECK(locks.min_time == 999 * 600 + 1024 - 1);
  CHECK_FALSE(sequence_locks_satisfied(locks, 2000, 999 * 600 + 1023));
  CHECK(sequence_locks_satisfied(locks, 2000, 999 * 600 + 1024));
  rel.inputs[0].sequence |= kSequenceLockTimeDisableFlag;
  CHECK(sequence_locks(rel, true, heights, mtp).min_time == -1);
  rel.inputs[0].sequence = 10;
  rel.version = 1; // BIP68 applies from version 2
  CHECK(sequence_locks(rel, true, heights, mtp).min_height == -1);
  rel.version = 2;
  CHECK(sequence_locks(rel, false, heights, mtp).min_height == -1); // before CSV
}

TEST_CASE("script flags per block: deployments by height, and the two exceptions") {
  const ChainParams& main = chain_params(Network::main);
  const Hash256 any;
  auto at = [&](int h) { return format_script_flags(*script_flags_for_block(main, h, any)); };
  CHECK(at(100) == "P2SH,WITNESS,TAPROOT");
  CHECK(at(363'724) == "P2SH,WITNESS,TAPROOT");
  CHECK(at(363'725) == "P2SH,DERSIG,WITNESS,TAPROOT");
  CHECK(at(388'381) == "P2SH,DERSIG,CHECKLOCKTIMEVERIFY,WITNESS,TAPROOT");
  CHECK(at(419'328) == "P2SH,DERSIG,CHECKLOCKTIMEVERIFY,CHECKSEQUENCEVERIFY,WITNESS,TAPROOT");
  CHECK(at(481'824) ==
        "P2SH,DERSIG,NULLDUMMY,CHECKLOCKTIMEVERIFY,CHECKSEQUENCEVERIFY,WITNESS,TAPROOT");
  // BIP16's exception (block 170,060) and taproot's (block 692,261).
  auto bip16 =
      Hash256::from_hex("00000000000002dc756eebf4f49723ed8d30cc28a5f108eb94b1ba88ac4f9c22");
  CHECK(format_script_flags(*script_flags_for_block(main, 170'060, *bip16)) == "NONE");
  auto taproot =
      Hash256::from_hex("0000000000000000000f14c35b2d841e986ab5441de8c585d5ffe55ea1e395ad");
  CHECK(format_script_flags(*script_flags_for_block(main, 692'261, *taproot)) ==
        "P2SH,DERSIG,NULLDUMMY,CHECKLOCKTIMEVERIFY,CHECKSEQUENCEVERIFY,WITNESS");
  // Other networks read their own heights.
  const ChainParams& regtest = chain_params(Network::regtest);
  CHECK((*script_flags_for_block(regtest, 1, any) & verify::nulldummy) != 0);
  ChainParams broken = main;
  broken.script_flag_exceptions.push_back({any, {"NOT_A_FLAG"}});
  CHECK_FALSE(script_flags_for_block(broken, 1, any).has_value());
}

TEST_CASE("coinbase heights (BIP34) and subsidies") {
  wire::Transaction cb = simple_tx();
  cb.inputs[0].script_sig = hex("03139d05"
                                "deadbeef"); // 367,891
  CHECK(coinbase_height(cb) == 367'891);
  cb.inputs[0].script_sig = hex("5a"); // OP_10
  CHECK(coinbase_height(cb) == 10);
  cb.inputs[0].script_sig = hex("04139d0500"); // padded: not the canonical form
  CHECK_FALSE(coinbase_height(cb).has_value());
  cb.inputs[0].script_sig = hex("0110"); // 16 must be OP_16
  CHECK_FALSE(coinbase_height(cb).has_value());
  cb.inputs[0].script_sig = {};
  CHECK_FALSE(coinbase_height(cb).has_value());
  CHECK(block_subsidy(0, 210'000) == 50 * kCoin);
  CHECK(block_subsidy(210'000, 210'000) == 25 * kCoin);
  CHECK(block_subsidy(630'000, 210'000) == 625'000'000);
  CHECK(block_subsidy(64 * 210'000, 210'000) == 0);
}

TEST_CASE("spent outputs: the document format, and every way it can be wrong") {
  auto ok = parse_spent_outputs(
      R"([{"txout":{"value":5,"script_pubkey":"51"},"is_coinbase":true,"creation_height":7,"creation_time":1}])");
  REQUIRE(ok.has_value());
  REQUIRE(ok->size() == 1);
  CHECK((*ok)[0].output.value == 5);
  CHECK((*ok)[0].output.script_pubkey == Bytes{0x51});
  CHECK((*ok)[0].coinbase);
  CHECK((*ok)[0].height == 7);
  const std::map<std::string, std::string> bad = {
      {"not JSON", "[{"},
      {"not a JSON array", "{}"},
      {"entry 0: it is not an object", "[1]"},
      {"lacks field 'creation_time'",
       R"([{"txout":{"value":5,"script_pubkey":""},"is_coinbase":false,"creation_height":7}])"},
      {"unexpected field 'extra'",
       R"([{"txout":{"value":5,"script_pubkey":""},"is_coinbase":false,"creation_height":7,"creation_time":1,"extra":0}])"},
      {"field 'is_coinbase' twice",
       R"([{"txout":{"value":5,"script_pubkey":""},"is_coinbase":false,"is_coinbase":true,"creation_height":7,"creation_time":1}])"},
      {"script_pubkey is not hex",
       R"([{"txout":{"value":5,"script_pubkey":"5"},"is_coinbase":false,"creation_height":7,"creation_time":1}])"},
      {"value is not an integer",
       R"([{"txout":{"value":0.5,"script_pubkey":""},"is_coinbase":false,"creation_height":7,"creation_time":1}])"},
      {"is_coinbase is not true or false",
       R"([{"txout":{"value":5,"script_pubkey":""},"is_coinbase":0,"creation_height":7,"creation_time":1}])"},
      {"creation_height is not a block height",
       R"([{"txout":{"value":5,"script_pubkey":""},"is_coinbase":false,"creation_height":-1,"creation_time":1}])"},
      {"txout is not an object",
       R"([{"txout":[],"is_coinbase":false,"creation_height":7,"creation_time":1}])"},
  };
  for (const auto& [message, text] : bad) {
    CAPTURE(text);
    auto r = parse_spent_outputs(text);
    REQUIRE_FALSE(r.has_value());
    CHECK_MESSAGE(r.error().find(message) != std::string::npos, r.error());
  }
}

TEST_CASE("script types for the summary") {
  const test::TestKey k = test::make_key(31);
  CHECK(classify_script(test::p2pkh_script(k.compressed)) == ScriptType::p2pkh);
  CHECK(classify_script(test::p2sh_script(Bytes{OP_1})) == ScriptType::p2sh);
  CHECK(classify_script(test::p2wpkh_script(k.compressed)) == ScriptType::p2wpkh);
  CHECK(classify_script(test::p2wsh_script(Bytes{OP_1})) == ScriptType::p2wsh);
  CHECK(classify_script(test::p2tr_script(k.xonly)) == ScriptType::p2tr);
  CHECK(classify_script(hex("5202abcd")) == ScriptType::witness_unknown);
  Bytes p2pk = {33};
  p2pk.insert(p2pk.end(), k.compressed.begin(), k.compressed.end());
  p2pk.push_back(OP_CHECKSIG);
  CHECK(classify_script(p2pk) == ScriptType::p2pk);
  Bytes multisig = {OP_1};
  multisig.insert(multisig.end(), p2pk.begin(), p2pk.end() - 1);
  multisig.push_back(OP_1);
  multisig.push_back(OP_CHECKMULTISIG);
  CHECK(classify_script(multisig) == ScriptType::multisig);
  CHECK(classify_script(hex("6a04deadbeef")) == ScriptType::nulldata);
  CHECK(classify_script({}) == ScriptType::nonstandard);
  CHECK(to_string(ScriptType::p2wsh) == "p2wsh");
}
