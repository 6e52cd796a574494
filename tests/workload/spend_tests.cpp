// Spends of every script kind, checked by the project's script interpreter and sigop counter:
// what the generator signs verifies, what it claims about weights and sigops holds.
#include <doctest/doctest.h>

#include "consensus/chainparams.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/verify_script.hpp"
#include "consensus/script_flags_for_block.hpp"
#include "consensus/sigops.hpp"
#include "crypto/sha256.hpp"
#include "workload/output_script.hpp"
#include "workload/transaction_builder.hpp"

namespace peregrine::test {
namespace {

using namespace workload;

consensus::ScriptFlags regtest_flags() {
  const auto& params = consensus::chain_params(consensus::Network::regtest);
  return *consensus::script_flags_for_block(params, 200, Hash256{});
}

// A txid table where coin (tx, vout) has a txid, and the spent outputs of coins as the chain holds them.
struct Funding {
  std::vector<Hash256> txids;
  std::vector<PoolCoin> coins;
  std::vector<wire::TxOut> spent;

  Funding(const Signer& signer, std::span<const ScriptKind> kinds) {
    for (std::uint32_t t = 0; t < 10; ++t) txids.push_back(crypto::sha256d(Bytes{static_cast<std::uint8_t>(t)}));
    std::uint32_t i = 0;
    for (ScriptKind k : kinds) {
      coins.push_back(PoolCoin::make(100'000 + i, 3 + i % 5, i, k));
      spent.push_back({coins.back().value, script_pubkey(signer, k, coins.back().tx, i)});
      ++i;
    }
  }
};

// Every input's verdict, in order.
std::vector<std::string> verdicts(const wire::Transaction& tx, std::span<const wire::TxOut> spent) {
  consensus::PrecomputedTx pre(tx, spent);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
    auto r = consensus::verify_input(pre, i, regtest_flags());
    out.push_back(r ? "ok" : std::string(consensus::to_string(r.error())));
  }
  return out;
}

} // namespace

TEST_CASE("a spend of each kind verifies, and breaks when the transaction changes") {
  const Signer signer(7);
  for (ScriptKind kind : kAllScriptKinds) {
    CAPTURE(to_string(kind));
    const ScriptKind kinds[] = {kind};
    Funding f(signer, kinds);
    wire::Transaction tx;
    const PlannedOutput out[] = {{90'000, ScriptKind::trivial}};
    const unsigned sigs = build_transaction(tx, 42, f.coins, out, f.txids, signer);
    CHECK(sigs == signatures_per_spend(kind));
    CHECK(f.spent[0].script_pubkey.size() == script_pubkey_size(kind));
    CHECK(verdicts(tx, f.spent) == std::vector<std::string>{"ok"});
    CHECK(tx.has_witness() == spend_has_witness(kind));

    // The weight and sigops the generator plans with.
    const std::size_t input_weight = wire::weight(tx) - 4 * (4 + 1 + 1 + 4) - output_weight(ScriptKind::trivial) -
                                      (tx.has_witness() ? 2 : 0);
    CHECK(input_weight <= max_input_weight(kind));
    // Planned with 73-byte signatures; DER ones are 71 to 73 bytes, scriptSig bytes weigh four.
    CHECK(max_input_weight(kind) - input_weight <= 8 * signatures_per_spend(kind));
    CHECK(consensus::transaction_sigop_cost(tx, f.spent, regtest_flags()) == input_sigop_cost(kind));

    if (kind != ScriptKind::trivial) {
      tx.outputs[0].value -= 1; // what every signature commits to
      CHECK(verdicts(tx, f.spent) != std::vector<std::string>{"ok"});
    }
  }
}

TEST_CASE("one transaction spending every kind at once: the taproot sighash covers all spent outputs") {
  const Signer signer(8);
  Funding f(signer, kAllScriptKinds);
  wire::Transaction tx;
  const PlannedOutput outs[] = {{300'000, ScriptKind::p2pkh}, {200'000, ScriptKind::p2tr}};
  const unsigned sigs = build_transaction(tx, 43, f.coins, outs, f.txids, signer);
  CHECK(sigs == 6);
  CHECK(verdicts(tx, f.spent) == std::vector<std::string>(kAllScriptKinds.size(), "ok"));
  // Outputs: a P2PKH scriptPubKey's CHECKSIG counts as four.
  std::int64_t planned = output_sigop_cost(ScriptKind::p2pkh) + output_sigop_cost(ScriptKind::p2tr);
  for (ScriptKind k : kAllScriptKinds) planned += input_sigop_cost(k);
  CHECK(consensus::transaction_sigop_cost(tx, f.spent, regtest_flags()) == planned);
}

TEST_CASE("keys differ per coin and per seed, and the same coin always gets the same key") {
  const Signer a(1), b(2);
  CHECK(a.secret(5, 0) == a.secret(5, 0));
  CHECK(a.secret(5, 0) != a.secret(5, 1));
  CHECK(a.secret(5, 0) != a.secret(6, 0));
  CHECK(a.secret(5, 0, 0) != a.secret(5, 0, 1));
  CHECK(a.secret(5, 0) != b.secret(5, 0));
  CHECK(script_pubkey(a, ScriptKind::trivial, 5, 0) != script_pubkey(a, ScriptKind::trivial, 5, 1));
  CHECK(script_pubkey(a, ScriptKind::trivial, 5, 0) != script_pubkey(b, ScriptKind::trivial, 5, 0));
}

} // namespace peregrine::test
