// Mainnet block 367,891 against the outputs it spends: every one of its 20,817 inputs verifies
// with the flags of its height, and damaging one signature (or one amount) changes exactly what
// Bitcoin Core's rules say it changes.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "consensus/block_inputs.hpp"
#include "consensus/block_scripts.hpp"
#include "consensus/chainparams.hpp"
#include "consensus/coinbase.hpp"
#include "consensus/script_flags_for_block.hpp"
#include "consensus/sigops.hpp"
#include "consensus/spent_outputs.hpp"
#include "consensus/tx_check.hpp"
#include "test_data.hpp"
#include "util/thread_pool.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

struct BlockData {
  wire::Block block;
  std::vector<Coin> coins;
  std::vector<wire::TxOut> spent;
  int height = 0;
  ScriptFlags flags = 0;
};

const BlockData& data() {
  static const BlockData d = [] {
    BlockData d;
    auto block = wire::from_bytes<wire::Block>(test::load_shared("blocks/mainnet_367891.raw"));
    REQUIRE(block.has_value());
    d.block = std::move(*block);
    auto text = util::read_text_file(test::shared_data("blocks/mainnet_367891.spent.json"));
    REQUIRE(text.has_value());
    auto coins = parse_spent_outputs(*text);
    REQUIRE_MESSAGE(coins.has_value(), coins.error());
    d.coins = std::move(*coins);
    for (const auto& c : d.coins) d.spent.push_back(c.output);
    d.height = coinbase_height(d.block.txs[0]).value_or(-1);
    auto flags = script_flags_for_block(chain_params(Network::main), d.height,
                                        wire::block_hash(d.block.header));
    REQUIRE(flags.has_value());
    d.flags = *flags;
    return d;
  }();
  return d;
}

// Index into the block's flat input list of (tx, input).
std::size_t flat_index(const wire::Block& block, std::size_t tx, std::size_t input) {
  std::size_t k = 0;
  for (std::size_t t = 1; t < tx; ++t) k += block.txs[t].inputs.size();
  return k + input;
}

// Every input valid except `failing`, which fails with `error`.
void expect_only_failure(const BlockScriptResult& r, std::size_t failing, ScriptError error) {
  CHECK(r.invalid == 1);
  CHECK(r.valid == r.errors.size() - 1);
  REQUIRE(r.first_failure.has_value());
  CHECK(*r.first_failure == failing);
  CHECK(to_string(r.errors[failing]) == to_string(error));
}

// The first push of a scriptSig that looks like a DER signature: [offset, size) in the script.
std::pair<std::size_t, std::size_t> nth_signature(const Bytes& script_sig, int n) {
  std::size_t pos = 0;
  while (pos < script_sig.size()) {
    std::size_t size = script_sig[pos];
    if (size > 0 && size < 0x4c && pos + 1 < script_sig.size() && script_sig[pos + 1] == 0x30) {
      if (n-- == 0) return {pos + 1, size};
    }
    pos += 1 + (size < 0x4c ? size : 0);
  }
  FAIL("no signature in scriptSig");
  return {0, 0};
}

} // namespace

TEST_CASE("block 367,891: its height, and the flags Core applies at that height") {
  const BlockData& d = data();
  CHECK(d.height == 367891);
  CHECK(format_script_flags(d.flags) == "P2SH,DERSIG,WITNESS,TAPROOT");
  CHECK(d.coins.size() == 20817);
}

TEST_CASE("block 367,891: all 20,817 inputs verify, on one thread and on a pool") {
  const BlockData& d = data();
  auto single = verify_block_scripts(d.block, d.spent, d.flags, nullptr);
  CHECK(single.inputs.size() == 20817);
  CHECK(single.valid == 20817);
  CHECK(single.invalid == 0);
  CHECK_FALSE(single.first_failure.has_value());
  util::ThreadPool pool(3);
  auto parallel = verify_block_scripts(d.block, d.spent, d.flags, &pool);
  CHECK(parallel.valid == 20817);
  CHECK(parallel.errors == single.errors);
}

TEST_CASE("block 367,891: transaction rules, sigop cost and the coinbase's claim") {
  const BlockData& d = data();
  std::int64_t fees = 0, sigop_cost = 0;
  std::size_t k = 0;
  for (std::size_t t = 0; t < d.block.txs.size(); ++t) {
    const auto& tx = d.block.txs[t];
    CHECK(check_transaction(tx).has_value());
    if (t == 0) {
      sigop_cost += transaction_sigop_cost(tx, {}, d.flags);
      continue;
    }
    std::span<const Coin> coins(d.coins.data() + k, tx.inputs.size());
    auto fee = check_tx_inputs(tx, coins, d.height);
    REQUIRE(fee.has_value());
    fees += *fee;
    sigop_cost +=
        transaction_sigop_cost(tx, std::span(d.spent).subspan(k, tx.inputs.size()), d.flags);
    k += tx.inputs.size();
  }
  std::int64_t claimed = 0;
  for (const auto& out : d.block.txs[0].outputs) claimed += out.value;
  CHECK(claimed <= block_subsidy(d.height, 210000) + fees);
  CHECK(block_subsidy(d.height, 210000) == 25 * kCoin);
  CHECK(sigop_cost > 0);
  CHECK(sigop_cost <= kMaxBlockSigopsCost);
}

TEST_CASE("block 367,891: one damaged signature fails exactly its input, with Core's error") {
  const BlockData& d = data();
  util::ThreadPool pool(2);
  struct Case {
    const char* what;
    std::size_t tx, input;
    int signature; // which signature push in the scriptSig
    int offset;    // byte within it; negative counts from the end
    ScriptError error;
  };
  // Flipping a bit inside R or S keeps the encoding strict DER: the signature simply does not
  // verify, CHECKSIG pushes false and the script ends false (NULLFAIL is policy, not in the
  // block's flags). Breaking the DER header is SIG_DER under BIP66. An undefined hash type is
  // accepted without STRICTENC, but changes the message signed.
  const Case cases[] = {
      {"first input, P2PKH with an uncompressed key: S", 1, 0, 0, 40, ScriptError::eval_false},
      {"first input: R", 1, 0, 0, 10, ScriptError::eval_false},
      {"first input: DER sequence tag", 1, 0, 0, 0, ScriptError::sig_der},
      {"first input: R length", 1, 0, 0, 3, ScriptError::sig_der},
      {"first input: hash type", 1, 0, 0, -1, ScriptError::eval_false},
      {"P2SH 2-of-2 multisig: first signature", 14, 0, 0, 20, ScriptError::eval_false},
      {"P2SH 2-of-2 multisig: second signature", 14, 0, 1, 50, ScriptError::eval_false},
      {"P2SH 2-of-2 multisig: second signature's DER tag", 15, 0, 1, 0, ScriptError::sig_der},
      {"two-input transaction, second input", 416, 1, 0, 30, ScriptError::eval_false},
      {"last input, P2PKH with a compressed key", 419, 0, 0, 33, ScriptError::eval_false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    wire::Block block = d.block;
    Bytes& script_sig = block.txs[c.tx].inputs[c.input].script_sig;
    auto [start, size] = nth_signature(script_sig, c.signature);
    std::size_t at = c.offset >= 0 ? start + c.offset : start + size + c.offset;
    script_sig[at] ^= 0x01;
    auto r = verify_block_scripts(block, d.spent, d.flags, &pool);
    expect_only_failure(r, flat_index(block, c.tx, c.input), c.error);
  }
}

TEST_CASE("block 367,891: scripts without signatures, damaged") {
  const BlockData& d = data();
  // Transaction 2 spends 20,000 empty scriptPubKeys with scriptSig OP_1 (0x51).
  wire::Block block = d.block;
  REQUIRE(block.txs[2].inputs[7].script_sig == Bytes{0x51});
  block.txs[2].inputs[7].script_sig = {0x50}; // OP_RESERVED: executed, so BAD_OPCODE
  auto r = verify_block_scripts(block, d.spent, d.flags, nullptr);
  expect_only_failure(r, flat_index(block, 2, 7), ScriptError::bad_opcode);
  block.txs[2].inputs[7].script_sig = {0x00}; // OP_0: the stack ends false
  r = verify_block_scripts(block, d.spent, d.flags, nullptr);
  expect_only_failure(r, flat_index(block, 2, 7), ScriptError::eval_false);
}

TEST_CASE("block 367,891: a changed amount breaks no legacy script, only the amount rules") {
  // Legacy signatures do not commit to the amount spent (BIP143 added that for segwit), so every
  // script still verifies; what changes is the transaction's balance.
  const BlockData& d = data();
  const std::size_t tx = 419, k = flat_index(d.block, tx, 0);
  for (std::int64_t delta : {std::int64_t{1}, std::int64_t{-16'699}, std::int64_t{-16'700}}) {
    CAPTURE(delta);
    std::vector<wire::TxOut> spent = d.spent;
    std::vector<Coin> coins(d.coins.begin() + static_cast<std::ptrdiff_t>(k),
                                 d.coins.begin() + static_cast<std::ptrdiff_t>(k) + 1);
    spent[k].value += delta;
    coins[0].output.value += delta;
    auto r = verify_block_scripts(d.block, spent, d.flags, nullptr);
    CHECK(r.valid == 20817);
    // The fee was 16,699 satoshis: lowering the input by more than that is "in below out".
    auto fee = check_tx_inputs(d.block.txs[tx], coins, d.height);
    if (delta >= -16'699) {
      REQUIRE(fee.has_value());
      CHECK(*fee == 16'699 + delta);
    } else {
      REQUIRE_FALSE(fee.has_value());
      CHECK(fee.error() == TxError::in_belowout);
    }
  }
}

// The coin rules of the whole block (check_block_inputs): what connecting it to a UTXO set checks
// beyond the scripts.
namespace {

InputsContext inputs_context(const BlockData& d, bool check_scripts = true) {
  InputsContext ctx;
  ctx.height = d.height;
  ctx.prev_median_time_past = d.block.header.time - 1;
  ctx.median_time_past_at = [](int) { return std::int64_t{0}; };
  ctx.flags = d.flags;
  ctx.check_scripts = check_scripts;
  return ctx;
}

std::string inputs_reason(const std::expected<InputsResult, BlockFailure>& r) {
  return r ? "ok" : r.error().reason();
}

} // namespace

TEST_CASE("block 367,891 with its coins: fees, sigop cost and the coinbase claim add up") {
  const auto& d = data();
  util::ThreadPool pool(2);
  auto ctx = inputs_context(d);
  ctx.pool = &pool;
  auto r = check_block_inputs(d.block, d.coins, ctx, chain_params(Network::main));
  REQUIRE_MESSAGE(r.has_value(), r.error().reason());
  CHECK(r->inputs == 20'817);
  std::int64_t in = 0, out = 0, claimed = 0;
  for (const auto& c : d.coins) in += c.output.value;
  for (std::size_t t = 1; t < d.block.txs.size(); ++t)
    for (const auto& o : d.block.txs[t].outputs) out += o.value;
  for (const auto& o : d.block.txs[0].outputs) claimed += o.value;
  CHECK(r->fees == in - out);
  CHECK(claimed <= block_subsidy(d.height, 210'000) + r->fees);
  CHECK(r->sigop_cost > 0);
  CHECK(r->sigop_cost <= kMaxBlockSigopsCost);
}

TEST_CASE("block 367,891 with its coins: each coin rule, broken once, names its rule and transaction") {
  const auto& d = data();
  const auto& params = chain_params(Network::main);
  wire::Block block = d.block;
  std::vector<Coin> coins = d.coins;
  SUBCASE("the coinbase claims one satoshi too many") {
    std::int64_t claimed = 0;
    for (const auto& o : block.txs[0].outputs) claimed += o.value;
    auto r = check_block_inputs(block, coins, inputs_context(d, false), params);
    REQUIRE(r.has_value());
    block.txs[0].outputs[0].value += block_subsidy(d.height, 210'000) + r->fees - claimed + 1;
    CHECK(inputs_reason(check_block_inputs(block, coins, inputs_context(d, false), params)) == "bad-cb-amount");
  }
  SUBCASE("a coinbase output spent before 100 confirmations") {
    coins[10].coinbase = true;
    coins[10].height = d.height - 99;
    auto r = check_block_inputs(block, coins, inputs_context(d, false), params);
    CHECK(inputs_reason(r) == "bad-txns-premature-spend-of-coinbase");
    coins[10].height = d.height - 100;
    CHECK(inputs_reason(check_block_inputs(block, coins, inputs_context(d, false), params)) == "ok");
  }
  SUBCASE("inputs worth less than the outputs") {
    coins[0].output.value = 0;
    auto r = check_block_inputs(block, coins, inputs_context(d, false), params);
    CHECK(inputs_reason(r) == "bad-txns-in-belowout");
    CHECK(r.error().tx_index == std::size_t{1});
  }
  SUBCASE("a coin missing") {
    coins.pop_back();
    CHECK(inputs_reason(check_block_inputs(block, coins, inputs_context(d, false), params)) == "bad-txns-inputs-missingorspent");
  }
  SUBCASE("a broken signature fails the scripts, unless assumevalid skips them") {
    auto& sig = block.txs[5].inputs[0].script_sig;
    REQUIRE(sig.size() > 10);
    sig[10] ^= 1;
    auto r = check_block_inputs(block, coins, inputs_context(d), params);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().error == BlockError::script_failed);
    CHECK(r.error().tx_index == std::size_t{5});
    CHECK(r.error().input_index == std::size_t{0});
    CHECK(r.error().reason().starts_with("mandatory-script-verify-flag-failed ("));
    CHECK(inputs_reason(check_block_inputs(block, coins, inputs_context(d, false), params)) == "ok");
  }
  SUBCASE("BIP68: a relative height lock not yet reached once CSV is active") {
    ChainParams csv = params;
    csv.csv_height = 0;
    block.txs[3].version = 2;
    block.txs[3].inputs[0].sequence = 10; // ten blocks after its coin
    auto k = flat_index(block, 3, 0);
    coins[k].height = d.height - 9;
    CHECK(inputs_reason(check_block_inputs(block, coins, inputs_context(d, false), csv)) == "bad-txns-nonfinal");
    coins[k].height = d.height - 10;
    CHECK(inputs_reason(check_block_inputs(block, coins, inputs_context(d, false), csv)) == "ok");
    CHECK(inputs_reason(check_block_inputs(block, coins, inputs_context(d, false), params)) == "ok"); // before CSV
  }
}
