// Segwit v0 spends built and signed here (BIP141/143): P2WPKH, P2WSH and both wrapped in P2SH,
// the amount they sign, and the malleability rules around witness programs.
#include <doctest/doctest.h>

#include "consensus/script/opcodes.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/sighash.hpp"
#include "consensus/script/verify_script.hpp"
#include "test_signer.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

constexpr ScriptFlags kConsensus = verify::p2sh | verify::dersig | verify::checklocktimeverify |
                                   verify::checksequenceverify | verify::witness |
                                   verify::nulldummy | verify::taproot;

Bytes push(ByteSpan data) { // a direct push (under 76 bytes)
  Bytes out(1 + data.size());
  out[0] = static_cast<std::uint8_t>(data.size());
  std::copy(data.begin(), data.end(), out.begin() + 1);
  return out;
}

ScriptError run(const wire::Transaction& tx, const std::vector<wire::TxOut>& spent,
                ScriptFlags flags = kConsensus) {
  PrecomputedTx ptx(tx, spent);
  auto r = verify_input(ptx, 0, flags);
  return r ? ScriptError::ok : r.error();
}

// BIP143 hash of input 0 for a script code and amount.
Hash256 v0_sighash(const wire::Transaction& tx, ByteSpan script_code, std::int64_t amount,
                   std::uint8_t type) {
  return segwit_v0_sighash(tx, 0, script_code, amount, type,
                           bip143_hashes(compute_tx_digests(tx, {})));
}

} // namespace

TEST_CASE("P2WPKH: signs the amount; the implied script is P2PKH's") {
  const test::TestKey k = test::make_key(20);
  wire::Transaction tx = test::one_input_tx();
  const std::int64_t amount = 123'456;
  std::vector<wire::TxOut> spent = {{amount, test::p2wpkh_script(k.compressed)}};
  const Bytes code = test::p2pkh_script(k.compressed);
  tx.inputs[0].witness = {
      test::sign_ecdsa(k, v0_sighash(tx, code, amount, kSighashAll), kSighashAll), k.compressed};
  CHECK(run(tx, spent) == ScriptError::ok);
  CHECK(run(tx, spent, verify::all) == ScriptError::ok);

  std::vector<wire::TxOut> more = spent;
  more[0].value += 1;
  CHECK(run(tx, more) == ScriptError::eval_false);
  CHECK(run(tx, more, verify::all) == ScriptError::nullfail); // policy: failed signatures empty

  wire::Transaction three = tx;
  three.inputs[0].witness.push_back({});
  CHECK(run(three, spent) == ScriptError::witness_program_mismatch);
  wire::Transaction with_sig = tx;
  with_sig.inputs[0].script_sig = {OP_0};
  CHECK(run(with_sig, spent) == ScriptError::witness_malleated);
  wire::Transaction other_key = tx;
  other_key.inputs[0].witness[1] = test::make_key(21).compressed;
  CHECK(run(other_key, spent) == ScriptError::equalverify);
}

TEST_CASE("P2WPKH: uncompressed keys are valid by consensus, refused by WITNESS_PUBKEYTYPE") {
  const test::TestKey k = test::make_key(22);
  wire::Transaction tx = test::one_input_tx();
  std::vector<wire::TxOut> spent = {{5000, test::p2wpkh_script(k.uncompressed)}};
  const Bytes code = test::p2pkh_script(k.uncompressed);
  tx.inputs[0].witness = {test::sign_ecdsa(k, v0_sighash(tx, code, 5000, kSighashAll), kSighashAll),
                          k.uncompressed};
  CHECK(run(tx, spent) == ScriptError::ok);
  CHECK(run(tx, spent, kConsensus | verify::witness_pubkeytype) == ScriptError::witness_pubkeytype);
}

TEST_CASE("P2WSH 2-of-2 multisig, native and wrapped in P2SH, with every hash type") {
  const test::TestKey a = test::make_key(23), b = test::make_key(24);
  Bytes witness_script = {OP_2};
  for (const auto* k : {&a, &b}) {
    Bytes p = push(k->compressed);
    witness_script.insert(witness_script.end(), p.begin(), p.end());
  }
  witness_script.push_back(OP_2);
  witness_script.push_back(OP_CHECKMULTISIG);
  const Bytes p2wsh = test::p2wsh_script(witness_script);
  for (std::uint8_t type :
       {kSighashAll, kSighashNone, kSighashSingle, std::uint8_t(kSighashAll | kSighashAnyoneCanPay),
        std::uint8_t(kSighashNone | kSighashAnyoneCanPay),
        std::uint8_t(kSighashSingle | kSighashAnyoneCanPay)}) {
    CAPTURE(int(type));
    for (bool wrapped : {false, true}) {
      CAPTURE(wrapped);
      wire::Transaction tx = test::one_input_tx();
      tx.inputs.push_back(tx.inputs[0]); // a second input, so ANYONECANPAY and SINGLE matter
      tx.inputs[1].prevout.index = 1;
      const std::int64_t amount = 77'000;
      std::vector<wire::TxOut> spent = {{amount, wrapped ? test::p2sh_script(p2wsh) : p2wsh},
                                        {1, {OP_1}}};
      if (wrapped) tx.inputs[0].script_sig = push(p2wsh);
      const Hash256 m = v0_sighash(tx, witness_script, amount, type);
      tx.inputs[0].witness = {
          {}, test::sign_ecdsa(a, m, type), test::sign_ecdsa(b, m, type), witness_script};
      CHECK(run(tx, spent, verify::all) == ScriptError::ok);
      // What each hash type leaves unsigned may change; what it signs may not.
      wire::Transaction changed = tx;
      changed.inputs[1].sequence ^= 1;
      const bool sequences_signed = !(type & kSighashAnyoneCanPay) && (type & 0x1f) == kSighashAll;
      CHECK((run(changed, spent) == ScriptError::ok) == !sequences_signed);
      changed = tx;
      changed.outputs[0].value -= 1;
      CHECK((run(changed, spent) == ScriptError::ok) == ((type & 0x1f) == kSighashNone));
      std::vector<wire::TxOut> more = spent;
      more[0].value += 1;
      CHECK(run(tx, more) == ScriptError::eval_false); // the amount is always signed
    }
  }
}

TEST_CASE("P2WSH and P2SH-wrapped programs: the malleability and shape rules") {
  const Bytes witness_script = {OP_1};
  const Bytes p2wsh = test::p2wsh_script(witness_script);
  wire::Transaction tx = test::one_input_tx();
  std::vector<wire::TxOut> spent = {{1000, p2wsh}};
  tx.inputs[0].witness = {witness_script};
  CHECK(run(tx, spent) == ScriptError::ok);
  tx.inputs[0].witness = {{OP_2}};
  CHECK(run(tx, spent) == ScriptError::witness_program_mismatch);
  tx.inputs[0].witness = {};
  CHECK(run(tx, spent) == ScriptError::witness_program_witness_empty);
  tx.inputs[0].witness = {{}, witness_script};
  CHECK(run(tx, spent) == ScriptError::cleanstack); // witness scripts always need a clean stack
  tx.inputs[0].witness = {Bytes(521, 1), {OP_DROP, OP_1}};
  spent[0].script_pubkey = test::p2wsh_script(tx.inputs[0].witness[1]);
  CHECK(run(tx, spent) == ScriptError::push_size);

  // Wrapped: the scriptSig must be exactly one push of the program.
  wire::Transaction wrapped = test::one_input_tx();
  wrapped.inputs[0].witness = {witness_script};
  std::vector<wire::TxOut> p2sh = {{1000, test::p2sh_script(p2wsh)}};
  wrapped.inputs[0].script_sig = push(p2wsh);
  CHECK(run(wrapped, p2sh) == ScriptError::ok);
  wrapped.inputs[0].script_sig = {OP_PUSHDATA1, static_cast<std::uint8_t>(p2wsh.size())};
  wrapped.inputs[0].script_sig.insert(wrapped.inputs[0].script_sig.end(), p2wsh.begin(),
                                      p2wsh.end());
  CHECK(run(wrapped, p2sh) == ScriptError::witness_malleated_p2sh);
  // Before segwit the same spend is a plain P2SH whose redeem script leaves true.
  CHECK(run(wrapped, p2sh, verify::p2sh) == ScriptError::ok);

  // A v0 program of another length, and a witness where none belongs.
  std::vector<wire::TxOut> odd = {{1000, {OP_0, 25}}};
  odd[0].script_pubkey.resize(27, 7);
  wire::Transaction w = test::one_input_tx();
  w.inputs[0].witness = {{OP_1}};
  CHECK(run(w, odd) == ScriptError::witness_program_wrong_length);
  std::vector<wire::TxOut> legacy = {{1000, {OP_1}}};
  CHECK(run(w, legacy) == ScriptError::witness_unexpected);
  CHECK(run(w, legacy, verify::p2sh) == ScriptError::ok); // no WITNESS flag, no such rule
}

TEST_CASE("legacy P2PKH and bare multisig signed here, with NULLDUMMY and FindAndDelete") {
  const test::TestKey k = test::make_key(25);
  wire::Transaction tx = test::one_input_tx();
  std::vector<wire::TxOut> spent = {{9000, test::p2pkh_script(k.compressed)}};
  Bytes sig =
      test::sign_ecdsa(k, legacy_sighash(tx, 0, spent[0].script_pubkey, kSighashAll), kSighashAll);
  tx.inputs[0].script_sig = push(sig);
  Bytes key = push(k.compressed);
  tx.inputs[0].script_sig.insert(tx.inputs[0].script_sig.end(), key.begin(), key.end());
  CHECK(run(tx, spent) == ScriptError::ok);
  std::vector<wire::TxOut> more = spent;
  more[0].value = 1; // legacy signatures do not cover the amount
  CHECK(run(tx, more) == ScriptError::ok);

  // 1-of-1 bare multisig whose scriptPubKey also contains the signature: FindAndDelete removes
  // it from the signed script code, and CONST_SCRIPTCODE refuses that.
  Bytes multisig = {OP_1};
  multisig.insert(multisig.end(), key.begin(), key.end());
  multisig.push_back(OP_1);
  multisig.push_back(OP_CHECKMULTISIGVERIFY);
  wire::Transaction m = test::one_input_tx();
  Bytes signed_code = multisig; // the scriptPubKey as signed: without the signature's push
  signed_code.push_back(OP_DROP);
  signed_code.push_back(OP_1);
  Bytes sig2 = test::sign_ecdsa(k, legacy_sighash(m, 0, signed_code, kSighashAll), kSighashAll);
  Bytes with_sig = multisig;
  Bytes p = push(sig2);
  with_sig.insert(with_sig.end(), p.begin(), p.end());
  with_sig.push_back(OP_DROP);
  with_sig.push_back(OP_1);
  std::vector<wire::TxOut> ms = {{9000, with_sig}};
  m.inputs[0].script_sig = {OP_0};
  m.inputs[0].script_sig.insert(m.inputs[0].script_sig.end(), p.begin(), p.end());
  CHECK(run(m, ms) == ScriptError::ok);
  CHECK(run(m, ms, kConsensus | verify::const_scriptcode) == ScriptError::sig_findanddelete);
  m.inputs[0].script_sig[0] = OP_1; // a non-empty dummy
  CHECK(run(m, ms, verify::p2sh | verify::dersig) == ScriptError::ok);
  CHECK(run(m, ms) == ScriptError::sig_nulldummy);
}
