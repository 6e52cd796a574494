// Taproot script-path and key-path spends built and signed here, one rule each (BIP341/342):
// signature checks and their budget, OP_CHECKSIGADD, OP_SUCCESSx, the annex, code separator
// positions, control blocks, leaf versions and unknown key types. Plus a real tapscript spend
// verified by Bitcoin Core (btcdeb's documented example).
#include <doctest/doctest.h>

#include <optional>

#include "consensus/script/opcodes.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/sighash.hpp"
#include "consensus/script/taproot.hpp"
#include "consensus/script/verify_script.hpp"
#include "crypto/sha256.hpp"
#include "test_signer.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
using test::Hash32;

namespace {

constexpr ScriptFlags kFlags = verify::p2sh | verify::witness | verify::taproot;

Bytes push(ByteSpan data) { // a direct push (under 76 bytes)
  Bytes out(1 + data.size());
  out[0] = static_cast<std::uint8_t>(data.size());
  std::copy(data.begin(), data.end(), out.begin() + 1);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A P2TR output committing to one leaf, and a transaction spending it.
struct Spend {
  test::TestKey internal = test::make_key(100);
  Bytes script;
  std::uint8_t leaf_version = kTaprootLeafTapscript;
  Hash32 leaf{};
  Bytes control;
  wire::Transaction tx = test::one_input_tx();
  std::vector<wire::TxOut> spent;

  explicit Spend(Bytes leaf_script, std::uint8_t version = kTaprootLeafTapscript)
      : script(std::move(leaf_script)), leaf_version(version) {
    leaf = tapleaf_hash(leaf_version, script);
    auto output = taproot_output_key(internal.xonly, &leaf);
    REQUIRE(output.has_value());
    control = {static_cast<std::uint8_t>(leaf_version | (output->second ? 1 : 0))};
    control.insert(control.end(), internal.xonly.begin(), internal.xonly.end());
    spent.push_back({50'000, test::p2tr_script(output->first)});
  }

  // What a tapscript signature with this hash type commits to.
  Hash32 message(std::uint8_t hash_type, std::uint32_t codesep = kNoCodeSeparator,
                 const std::optional<Bytes>& annex = std::nullopt) const {
    ExecutionData execdata;
    execdata.tapleaf_hash = leaf;
    execdata.codeseparator_pos = codesep;
    if (annex) {
      REQUIRE(annex->size() <= 0xffff);
      Bytes serialized = annex->size() < 0xfd
                             ? Bytes{static_cast<std::uint8_t>(annex->size())}
                             : Bytes{0xfd, static_cast<std::uint8_t>(annex->size()),
                                     static_cast<std::uint8_t>(annex->size() >> 8)};
      serialized.insert(serialized.end(), annex->begin(), annex->end());
      execdata.annex_hash = crypto::sha256(serialized);
      execdata.annex_present = true;
    }
    auto m = taproot_sighash(tx, 0, spent, hash_type, SigVersion::tapscript, execdata,
                             compute_tx_digests(tx, spent));
    REQUIRE(m.has_value());
    return *m;
  }

  // Runs with witness = args..., script, control block[, annex].
  ScriptError run(std::vector<Bytes> args, ScriptFlags flags = kFlags,
                  const std::optional<Bytes>& annex = std::nullopt) {
    args.push_back(script);
    args.push_back(control);
    if (annex) args.push_back(*annex);
    tx.inputs[0].witness = args;
    PrecomputedTx ptx(tx, spent);
    auto r = verify_input(ptx, 0, flags);
    return r ? ScriptError::ok : r.error();
  }
};

Bytes checksig_script(const test::TestKey& k) { return cat({push(k.xonly), {OP_CHECKSIG}}); }

} // namespace

TEST_CASE("tapscript: <key> CHECKSIG with a valid, a damaged and an empty signature") {
  const test::TestKey k = test::make_key(1);
  Spend s(checksig_script(k));
  Bytes sig = test::sign_schnorr(k.secret, s.message(kSighashDefault), std::nullopt);
  CHECK(s.run({sig}) == ScriptError::ok);
  Bytes bad = sig;
  bad[5] ^= 1;
  CHECK(s.run({bad}) == ScriptError::schnorr_sig); // a non-empty signature must be valid
  CHECK(s.run({{}}) == ScriptError::eval_false);   // an empty one is a valid "no"
  CHECK(s.run({Bytes(63, 1)}) == ScriptError::schnorr_sig_size);
  // With an explicit hash type the byte is signed too.
  Bytes all = test::sign_schnorr(k.secret, s.message(kSighashAll), kSighashAll);
  CHECK(s.run({all}) == ScriptError::ok);
  Bytes relabelled = all;
  relabelled.back() = kSighashSingle;
  CHECK(s.run({relabelled}) == ScriptError::schnorr_sig);
  relabelled.back() = 0x04; // undefined
  CHECK(s.run({relabelled}) == ScriptError::schnorr_sig_hashtype);
  relabelled.back() = kSighashDefault; // only implicit
  CHECK(s.run({relabelled}) == ScriptError::schnorr_sig_hashtype);
}

TEST_CASE("tapscript: SIGHASH_SINGLE needs an output at the input's index") {
  const test::TestKey k = test::make_key(2);
  Spend s(checksig_script(k));
  Bytes sig = test::sign_schnorr(k.secret, s.message(kSighashSingle), kSighashSingle);
  CHECK(s.run({sig}) == ScriptError::ok);
  s.tx.outputs.clear();
  CHECK(s.run({sig}) == ScriptError::schnorr_sig_hashtype);
}

TEST_CASE("tapscript: 2-of-3 with OP_CHECKSIGADD") {
  const test::TestKey a = test::make_key(3), b = test::make_key(4), c = test::make_key(5);
  Spend s(cat({push(a.xonly),
               {OP_CHECKSIG},
               push(b.xonly),
               {OP_CHECKSIGADD},
               push(c.xonly),
               {OP_CHECKSIGADD, OP_2, OP_NUMEQUAL}}));
  const Hash32 m = s.message(kSighashDefault);
  Bytes sa = test::sign_schnorr(a.secret, m, std::nullopt);
  Bytes sc = test::sign_schnorr(c.secret, m, std::nullopt);
  // Witness order: the last key's signature first (it is deepest on the stack).
  CHECK(s.run({sc, {}, sa}) == ScriptError::ok);
  CHECK(s.run({{}, {}, sa}) == ScriptError::eval_false);
  CHECK(s.run({sa, {}, sc}) == ScriptError::schnorr_sig); // signatures under the wrong keys
}

TEST_CASE("tapscript: rules that differ from legacy script") {
  const test::TestKey k = test::make_key(6);
  SUBCASE("OP_CHECKMULTISIG is gone") {
    Spend s(cat({{OP_0, OP_0}, push(k.xonly), {OP_1, OP_CHECKMULTISIG}}));
    CHECK(s.run({}) == ScriptError::tapscript_checkmultisig);
  }
  SUBCASE("IF takes exactly empty or 0x01") {
    Spend s({OP_IF, OP_1, OP_ENDIF});
    CHECK(s.run({{0x01}}) == ScriptError::ok);
    CHECK(s.run({{0x02}}) == ScriptError::tapscript_minimalif);
    CHECK(s.run({{0x01, 0x00}}) == ScriptError::tapscript_minimalif);
  }
  SUBCASE("an empty public key fails; an unknown key type succeeds unless discouraged") {
    Spend empty({OP_0, OP_CHECKSIG});
    CHECK(empty.run({{0x01}}) == ScriptError::tapscript_empty_pubkey);
    Spend unknown(cat({push(k.compressed), {OP_CHECKSIG}})); // 33 bytes: a future key type
    CHECK(unknown.run({{0x01}}) == ScriptError::ok);
    CHECK(unknown.run({{0x01}}, kFlags | verify::discourage_upgradable_pubkeytype) ==
          ScriptError::discourage_upgradable_pubkeytype);
  }
  SUBCASE("no 201-opcode limit and no 10,000-byte script limit") {
    Bytes script(20'000, OP_NOP);
    script.push_back(OP_1);
    Spend s(script);
    CHECK(s.run({}) == ScriptError::ok);
  }
  SUBCASE("the initial stack is limited to 1,000 items of 520 bytes") {
    Spend s({OP_DROP, OP_1});
    CHECK(s.run({Bytes(520, 1)}) == ScriptError::ok);
    CHECK(s.run({Bytes(521, 1)}) == ScriptError::push_size);
    Spend depth({OP_DEPTH, OP_DROP, OP_1});
    CHECK(depth.run(std::vector<Bytes>(1001, Bytes{})) == ScriptError::stack_size);
  }
}

TEST_CASE("tapscript: OP_SUCCESSx makes the script succeed before anything else is checked") {
  // OP_RESERVED (0x50) is OP_SUCCESS80 in tapscript; it wins even after OP_RETURN, with an
  // oversized stack item, and before an undecodable push.
  Spend s({OP_RETURN, 0x50, OP_PUSHDATA1});
  CHECK(s.run({Bytes(600, 1)}) == ScriptError::ok);
  CHECK(s.run({}, kFlags | verify::discourage_op_success) == ScriptError::discourage_op_success);
  Spend truncated({OP_PUSHDATA1, 0x05, 0x50});
  CHECK(truncated.run({}) == ScriptError::bad_opcode); // the push hides the 0x50
}

TEST_CASE("tapscript: the validation-weight budget") {
  const test::TestKey k = test::make_key(7);
  // n x (DUP <key> CHECKSIGVERIFY) then <key> CHECKSIG: n+1 checks of 50 weight each against a
  // budget of the witness size + 50; each repetition adds 35 bytes of script.
  auto spend = [&](int n) {
    Bytes script;
    for (int i = 0; i < n; ++i)
      script = cat({script, {OP_DUP}, push(k.xonly), {OP_CHECKSIGVERIFY}});
    return Spend(cat({script, push(k.xonly), {OP_CHECKSIG}}));
  };
  Spend small = spend(5);
  CHECK(small.run({test::sign_schnorr(k.secret, small.message(kSighashDefault), std::nullopt)}) ==
        ScriptError::ok);
  Spend big = spend(20);
  CHECK(big.run({test::sign_schnorr(k.secret, big.message(kSighashDefault), std::nullopt)}) ==
        ScriptError::tapscript_validation_weight);
  // Padding the witness (here with an annex) buys budget.
  Bytes annex(400, 0);
  annex[0] = kAnnexTag;
  CHECK(big.run({test::sign_schnorr(k.secret, big.message(kSighashDefault, kNoCodeSeparator, annex),
                                    std::nullopt)},
                kFlags, annex) == ScriptError::ok);
}

TEST_CASE("tapscript: signatures commit to the last executed OP_CODESEPARATOR's position") {
  const test::TestKey k = test::make_key(8);
  // <k> CHECKSIGVERIFY CODESEPARATOR <k> CHECKSIG: opcodes 0..4, the separator is opcode 2.
  Spend s(
      cat({push(k.xonly), {OP_CHECKSIGVERIFY, OP_CODESEPARATOR}, push(k.xonly), {OP_CHECKSIG}}));
  Bytes first = test::sign_schnorr(k.secret, s.message(kSighashDefault), std::nullopt);
  Bytes second = test::sign_schnorr(k.secret, s.message(kSighashDefault, 2), std::nullopt);
  CHECK(s.run({second, first}) == ScriptError::ok);
  CHECK(s.run({first, first}) == ScriptError::schnorr_sig);
}

TEST_CASE("tapscript: the annex is signed") {
  const test::TestKey k = test::make_key(9);
  Spend s(checksig_script(k));
  Bytes annex = {kAnnexTag, 1, 2, 3};
  Bytes sig = test::sign_schnorr(k.secret, s.message(kSighashDefault, kNoCodeSeparator, annex),
                                 std::nullopt);
  CHECK(s.run({sig}, kFlags, annex) == ScriptError::ok);
  CHECK(s.run({sig}) == ScriptError::schnorr_sig);
  Bytes other = annex;
  other[3] = 4;
  CHECK(s.run({sig}, kFlags, other) == ScriptError::schnorr_sig);
}

TEST_CASE("taproot: control blocks and leaf versions") {
  Spend s({OP_1});
  CHECK(s.run({}) == ScriptError::ok);
  SUBCASE("sizes") {
    Bytes control = s.control;
    s.control.push_back(0);
    CHECK(s.run({}) == ScriptError::taproot_wrong_control_size);
    s.control = Bytes(control.begin(), control.end() - 1);
    CHECK(s.run({}) == ScriptError::taproot_wrong_control_size);
    s.control = control;
    s.control.resize(33 + 32 * 129);
    CHECK(s.run({}) == ScriptError::taproot_wrong_control_size);
  }
  SUBCASE("a path or key that does not lead to the output key") {
    s.control.resize(33 + 32, 0x77); // an extra sibling node
    CHECK(s.run({}) == ScriptError::witness_program_mismatch);
    s.control.resize(33);
    s.control[5] ^= 1;
    CHECK(s.run({}) == ScriptError::witness_program_mismatch);
  }
  SUBCASE("unknown leaf versions succeed unless discouraged") {
    Spend future({OP_RETURN}, 0xc2);
    CHECK(future.run({}) == ScriptError::ok);
    CHECK(future.run({}, kFlags | verify::discourage_upgradable_taproot_version) ==
          ScriptError::discourage_upgradable_taproot_version);
  }
  SUBCASE("an empty witness") {
    s.tx.inputs[0].witness.clear();
    PrecomputedTx ptx(s.tx, s.spent);
    CHECK(verify_input(ptx, 0, kFlags).error() == ScriptError::witness_program_witness_empty);
  }
}

TEST_CASE("taproot: key-path spends, with and without the TAPROOT flag, wrapped in P2SH") {
  const test::TestKey k = test::make_key(10);
  auto output = taproot_output_key(k.xonly, nullptr);
  REQUIRE(output.has_value());
  wire::Transaction tx = test::one_input_tx();
  std::vector<wire::TxOut> spent = {{70'000, test::p2tr_script(output->first)}};
  ExecutionData execdata;
  auto m = taproot_sighash(tx, 0, spent, kSighashDefault, SigVersion::taproot, execdata,
                           compute_tx_digests(tx, spent));
  REQUIRE(m.has_value());
  tx.inputs[0].witness = {test::sign_schnorr(test::tweaked_secret(k, nullptr), *m, std::nullopt)};
  PrecomputedTx ptx(tx, spent);
  CHECK(verify_input(ptx, 0, kFlags).has_value());
  // The amount is signed.
  std::vector<wire::TxOut> more = {{70'001, spent[0].script_pubkey}};
  PrecomputedTx changed(tx, more);
  CHECK(verify_input(changed, 0, kFlags).error() == ScriptError::schnorr_sig);
  // Before taproot, a v1 32-byte program is anyone-can-spend, and not "discouraged" as other
  // unknown programs are: Core returns success before that check.
  CHECK(verify_input(changed, 0, verify::p2sh | verify::witness).has_value());
  CHECK(verify_input(changed, 0,
                     verify::p2sh | verify::witness | verify::discourage_upgradable_witness_program)
            .has_value());
  std::vector<wire::TxOut> v2 = {{70'000, spent[0].script_pubkey}};
  v2[0].script_pubkey[0] = OP_2;
  PrecomputedTx v2_ptx(tx, v2);
  CHECK(verify_input(v2_ptx, 0, kFlags).has_value());
  CHECK(verify_input(v2_ptx, 0, kFlags | verify::discourage_upgradable_witness_program).error() ==
        ScriptError::discourage_upgradable_witness_program);
  // Taproot is native only: wrapped in P2SH it is an unknown (anyone-can-spend) program.
  Bytes redeem = spent[0].script_pubkey;
  wire::Transaction wrapped = tx;
  wrapped.inputs[0].script_sig = push(redeem);
  std::vector<wire::TxOut> p2sh = {{70'000, test::p2sh_script(redeem)}};
  wrapped.inputs[0].witness = {Bytes(64, 0)};
  PrecomputedTx wrapped_ptx(wrapped, p2sh);
  CHECK(verify_input(wrapped_ptx, 0, kFlags).has_value());
}

TEST_CASE("taproot: a real key-path and script-path spend checked by Bitcoin Core") {
  // From btcdeb's tapscript example (doc/tapscript-example-with-tap.md, regtest): both
  // transactions spend output 0 of ec409014...f271, worth 100,000 satoshis, to the key a5ba08...;
  // Core's interpreter (in btcdeb) reports success for both signatures.
  const std::vector<wire::TxOut> spent = {
      {100'000,
       *util::from_hex("5120a5ba0871796eb49fb4caa6bf78e675b9455e2d66e751676420f8381d5dda8951")}};
  const char* key_path = "0200000000010171f2f89c07c3b58c7b0cf3654ba049d28bbcc76b7298f41c17e7b1a3149"
                         "040ec0000000000ffffffff01"
                         "905f010000000000160014ceb2d28afdcad1ae0fc2cf81cb929ba29e8346820140742c016"
                         "b800a80daa3fbc744642189b8"
                         "38e858ea4b63461ec23751457cd2f8d6a9e304e069d07bc60fc351dff7e5599b11309731b"
                         "4dc5eea4f5fd6560dec0be2"
                         "00000000";
  const char* script_path = "0200000000010171f2f89c07c3b58c7b0cf3654ba049d28bbcc76b7298f41c17e7b1a3"
                            "149040ec0000000000ffffffff01"
                            "905f010000000000160014ceb2d28afdcad1ae0fc2cf81cb929ba29e834682044054d5"
                            "ee309be92f531d62449d8ef82b216f"
                            "1e5b6229aaef918a78c26ce6dd66d57c523202b4650302667723f63dd5a87b2370ada5"
                            "1e08de0eccb27a80450ff9bf2010"
                            "7661134f21fc7c02223d50ab9eb3600bc3ffc3712423a1e47bb1f9a9dbf55f45a8206c"
                            "60f404f8167a38fc70eaf8aa17ac"
                            "351023bef86bcb9d1086a19afe95bd533388204edfcf9dfe6c0b5c83d1ab3f78d1b39a"
                            "46ebac6798e08e19761f5ed89ec8"
                            "3c10ac41c1f30544d6009c8d8d94f5d030b2e844b1a3ca036255161c479db1cca5b374"
                            "dd1cc81451874bd9ebd4b6fd4bba"
                            "1f84cdfb533c532365d22a0a702205ff658b17c900000000";
  for (const char* hex : {key_path, script_path}) {
    auto tx = wire::from_bytes<wire::Transaction>(*util::from_hex(hex));
    REQUIRE(tx.has_value());
    PrecomputedTx ptx(*tx, spent);
    CHECK(verify_input(ptx, 0, verify::all).has_value());
    wire::Transaction bad = *tx;
    bad.inputs[0].witness[0][0] ^= 1;
    PrecomputedTx bad_ptx(bad, spent);
    CHECK(verify_input(bad_ptx, 0, verify::all).error() == ScriptError::schnorr_sig);
  }
  // The documented script-path signature hash (shown byte-reversed by btcdeb).
  auto tx = wire::from_bytes<wire::Transaction>(*util::from_hex(script_path));
  ExecutionData execdata;
  execdata.tapleaf_hash = tapleaf_hash(kTaprootLeafTapscript, tx->inputs[0].witness[2]);
  auto m = taproot_sighash(*tx, 0, spent, kSighashDefault, SigVersion::tapscript, execdata,
                           compute_tx_digests(*tx, spent));
  REQUIRE(m.has_value());
  CHECK(util::to_hex(*m) == "733a561a910ba91819df23ab6d0d034a155a7c69b8d05124ddf6ab4388485f36");
}
