// BIP341's wallet test vectors (bip341_wallet_vectors.json): output keys and control blocks from
// script trees, key-path signature hashes with their intermediate values, and the fully signed
// transaction, every input of which must verify.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>

#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/sighash.hpp"
#include "consensus/script/taproot.hpp"
#include "consensus/script/verify_script.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
namespace json = peregrine::util::json;

namespace {

const json::Value& vectors() {
  static const json::Value doc = test::load_shared_json("core-vectors/bip341_wallet_vectors.json");
  return doc;
}

std::string hex(ByteSpan b) { return util::to_hex(b); }
Bytes unhex(const json::Value& v) {
  auto b = util::from_hex(*v.as_string());
  REQUIRE(b.has_value());
  return *b;
}

// Leaf hashes by id, and the tree's root, from the vectors' nested scriptTree.
Hash32 tree_root(const json::Value& node, std::map<std::int64_t, Hash32>& leaves) {
  if (node.is_array()) {
    const auto& kids = *node.as_array();
    REQUIRE(kids.size() == 2);
    Hash32 left = tree_root(kids[0], leaves);
    Hash32 right = tree_root(kids[1], leaves);
    return tapbranch_hash(left, right);
  }
  const auto version = static_cast<std::uint8_t>(*node.find("leafVersion")->as_int64());
  Hash32 leaf = tapleaf_hash(version, unhex(*node.find("script")));
  leaves[*node.find("id")->as_int64()] = leaf;
  return leaf;
}

std::vector<wire::TxOut> spent_utxos(const json::Value& given) {
  std::vector<wire::TxOut> spent;
  for (const auto& u : *given.find("utxosSpent")->as_array())
    spent.push_back({*u.find("amountSats")->as_int64(), unhex(*u.find("scriptPubKey"))});
  return spent;
}

} // namespace

TEST_CASE("BIP341 vectors: scriptPubKeys, tweaks and control blocks from script trees") {
  const auto& all = *vectors().find("scriptPubKey")->as_array();
  REQUIRE(all.size() == 7);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const json::Value& v = all[i];
    SUBCASE(fmt::format("scriptPubKey vector {}", i).c_str()) {
      const json::Value& given = *v.find("given");
      const json::Value& inter = *v.find("intermediary");
      const json::Value& expected = *v.find("expected");
      Bytes internal = unhex(*given.find("internalPubkey"));
      std::map<std::int64_t, Hash32> leaves;
      std::optional<Hash32> root;
      if (!given.find("scriptTree")->is_null()) root = tree_root(*given.find("scriptTree"), leaves);
      if (root) {
        CHECK(hex(*root) == *inter.find("merkleRoot")->as_string());
        const auto& leaf_hashes = *inter.find("leafHashes")->as_array();
        for (std::size_t id = 0; id < leaf_hashes.size(); ++id)
          CHECK(hex(leaves.at(static_cast<std::int64_t>(id))) == *leaf_hashes[id].as_string());
      } else {
        CHECK(inter.find("merkleRoot")->is_null());
      }
      CHECK(hex(taptweak_hash(internal, root ? &*root : nullptr)) ==
            *inter.find("tweak")->as_string());
      auto output = taproot_output_key(internal, root ? &*root : nullptr);
      REQUIRE(output.has_value());
      CHECK(hex(output->first) == *inter.find("tweakedPubkey")->as_string());
      CHECK("5120" + hex(output->first) == *expected.find("scriptPubKey")->as_string());
      if (const json::Value* blocks = expected.find("scriptPathControlBlocks")) {
        const auto& list = *blocks->as_array();
        for (std::size_t id = 0; id < list.size(); ++id) {
          Bytes control = unhex(list[id]);
          const Hash32& leaf = leaves.at(static_cast<std::int64_t>(id));
          CHECK((control[0] & 1) == (output->second ? 1 : 0));
          CHECK(control_block_root(control, leaf) == *root);
          CHECK(verify_taproot_commitment(control, output->first, leaf));
          control[0] ^= 1; // the wrong parity proves nothing
          CHECK_FALSE(verify_taproot_commitment(control, output->first, leaf));
        }
      }
    }
  }
}

TEST_CASE("BIP341 vectors: key-path signature hashes and their precomputed parts") {
  const json::Value& v = (*vectors().find("keyPathSpending")->as_array())[0];
  const json::Value& given = *v.find("given");
  auto tx = wire::from_bytes<wire::Transaction>(unhex(*given.find("rawUnsignedTx")));
  REQUIRE(tx.has_value());
  const std::vector<wire::TxOut> spent = spent_utxos(given);
  const TxDigests digests = compute_tx_digests(*tx, spent);
  const json::Value& inter = *v.find("intermediary");
  CHECK(hex(digests.prevouts) == *inter.find("hashPrevouts")->as_string());
  CHECK(hex(digests.amounts) == *inter.find("hashAmounts")->as_string());
  CHECK(hex(digests.script_pubkeys) == *inter.find("hashScriptPubkeys")->as_string());
  CHECK(hex(digests.sequences) == *inter.find("hashSequences")->as_string());
  CHECK(hex(digests.outputs) == *inter.find("hashOutputs")->as_string());

  for (const json::Value& s : *v.find("inputSpending")->as_array()) {
    const json::Value& g = *s.find("given");
    const auto input = static_cast<std::size_t>(*g.find("txinIndex")->as_int64());
    const auto hash_type = static_cast<std::uint8_t>(*g.find("hashType")->as_int64());
    SUBCASE(fmt::format("input {} hash type {:#04x}", input, hash_type).c_str()) {
      const json::Value& si = *s.find("intermediary");
      ExecutionData execdata; // key path, no annex
      auto sighash =
          taproot_sighash(*tx, input, spent, hash_type, SigVersion::taproot, execdata, digests);
      REQUIRE(sighash.has_value());
      CHECK(hex(*sighash) == *si.find("sigHash")->as_string());
      // The tweak commits the internal key to the merkle root (or to nothing).
      Bytes internal = unhex(*si.find("internalPubkey"));
      std::optional<Hash32> root;
      if (!g.find("merkleRoot")->is_null()) {
        Bytes r = unhex(*g.find("merkleRoot"));
        root.emplace();
        std::copy(r.begin(), r.end(), root->begin());
      }
      CHECK(hex(taptweak_hash(internal, root ? &*root : nullptr)) ==
            *si.find("tweak")->as_string());
      auto output = taproot_output_key(internal, root ? &*root : nullptr);
      REQUIRE(output.has_value());
      CHECK("5120" + hex(output->first) == hex(spent[input].script_pubkey));
    }
  }
}

TEST_CASE("BIP341 vectors: every input of the fully signed transaction verifies") {
  const json::Value& v = (*vectors().find("keyPathSpending")->as_array())[0];
  const std::vector<wire::TxOut> spent = spent_utxos(*v.find("given"));
  auto tx = wire::from_bytes<wire::Transaction>(unhex(*v.find("auxiliary")->find("fullySignedTx")));
  REQUIRE(tx.has_value());
  REQUIRE(tx->inputs.size() == spent.size());
  const ScriptFlags flags = verify::all; // consensus and every policy flag
  {
    PrecomputedTx ptx(*tx, spent);
    for (std::size_t i = 0; i < tx->inputs.size(); ++i) {
      CAPTURE(i);
      auto r = verify_input(ptx, i, flags);
      CHECK_MESSAGE(r.has_value(), to_string(r ? ScriptError::ok : r.error()));
    }
  }
  // Damage: a key-path signature bit, a hash type, an amount (taproot signs every amount).
  SUBCASE("a flipped signature bit") {
    wire::Transaction bad = *tx;
    bad.inputs[0].witness[0][10] ^= 1;
    PrecomputedTx ptx(bad, spent);
    CHECK(verify_input(ptx, 0, flags).error() == ScriptError::schnorr_sig);
  }
  SUBCASE("an explicit SIGHASH_DEFAULT byte") {
    wire::Transaction bad = *tx;
    REQUIRE(bad.inputs[3].witness[0].size() == 65); // SIGHASH_ALL, explicit
    bad.inputs[3].witness[0].back() = 0x00;
    PrecomputedTx ptx(bad, spent);
    CHECK(verify_input(ptx, 3, flags).error() == ScriptError::schnorr_sig_hashtype);
  }
  SUBCASE("another input's amount") {
    std::vector<wire::TxOut> changed = spent;
    changed[2].value += 1; // the P2PKH input: still part of every taproot signature hash
    PrecomputedTx ptx(*tx, changed);
    CHECK(verify_input(ptx, 0, flags).error() == ScriptError::schnorr_sig);
    CHECK(verify_input(ptx, 2, flags).has_value()); // legacy does not sign amounts
  }
  SUBCASE("a truncated signature") {
    wire::Transaction bad = *tx;
    bad.inputs[0].witness[0].pop_back();
    bad.inputs[0].witness[0].pop_back();
    PrecomputedTx ptx(bad, spent);
    CHECK(verify_input(ptx, 0, flags).error() == ScriptError::schnorr_sig_size);
  }
}
